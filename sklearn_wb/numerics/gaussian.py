"""Closed forms for Gaussian measures under the 2-Wasserstein (Bures-Wasserstein) metric."""

import numpy as np
from sklearn.utils.validation import check_array


def sqrtm_psd(matrix):
    """Square root of a symmetric positive semi-definite matrix.

    Uses an eigendecomposition of the symmetrised input and clips the small negative
    eigenvalues that round-off produces, so the result is real and never NaN.

    Parameters
    ----------
    matrix : ndarray of shape (d, d)
        Symmetric positive semi-definite matrix.

    Returns
    -------
    root : ndarray of shape (d, d)
        The symmetric PSD matrix ``R`` with ``R @ R = matrix``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_wb.numerics import sqrtm_psd
    >>> sqrtm_psd(np.diag([4.0, 9.0]))
    array([[2., 0.],
           [0., 3.]])
    """
    sym = 0.5 * (matrix + matrix.T)
    eigvals, eigvecs = np.linalg.eigh(sym)
    return (eigvecs * np.sqrt(np.clip(eigvals, 0.0, None))) @ eigvecs.T


def _check_gaussians(means, covs):
    means = check_array(means, ensure_2d=True, input_name="means")
    covs = np.asarray(covs, dtype=float)
    n, d = means.shape
    if covs.shape != (n, d, d):
        raise ValueError(f"covs must have shape {(n, d, d)} to match means, got {covs.shape}.")
    if not np.all(np.isfinite(covs)):
        raise ValueError("covs contains NaN or infinity.")
    return means, covs


def _check_weights(weights, n_measures):
    if weights is None:
        return np.full(n_measures, 1.0 / n_measures)
    weights = np.asarray(weights, dtype=float)
    if weights.shape != (n_measures,):
        raise ValueError(
            f"weights must have {n_measures} entries in a 1-D array, one per measure, got "
            f"shape {weights.shape}."
        )
    if not np.all(np.isfinite(weights)) or np.any(weights < 0):
        raise ValueError("weights must be finite and non-negative.")
    if not np.isclose(weights.sum(), 1.0, atol=1e-6):
        raise ValueError(f"weights must sum to 1, got {weights.sum():.6g}.")
    return weights


def gaussian_barycenter(means, covs, weights=None, *, tol=1e-10, max_iter=1000):
    r"""Exact Wasserstein-2 barycenter of Gaussian measures.

    The barycenter of :math:`\mathcal N(m_i, \Sigma_i)` with weights :math:`a_i` is
    :math:`\mathcal N(m, \Sigma)` with :math:`m = \sum_i a_i m_i` and :math:`\Sigma` the
    unique positive definite solution of :math:`\Sigma = \sum_i a_i
    (\Sigma^{1/2}\Sigma_i\Sigma^{1/2})^{1/2}`. It is found with the fixed point of
    Álvarez-Esteban et al. (2016),

    .. math:: \Sigma_{k+1} = \Sigma_k^{-1/2}\Big(\sum_i a_i
              (\Sigma_k^{1/2}\Sigma_i\Sigma_k^{1/2})^{1/2}\Big)^2\Sigma_k^{-1/2},

    which converges from any positive definite start.

    Parameters
    ----------
    means : array-like of shape (n_measures, d)
    covs : array-like of shape (n_measures, d, d)
        Symmetric positive definite covariances.
    weights : array-like of shape (n_measures,), default=None
        Non-negative weights summing to 1; uniform when None.
    tol : float, default=1e-10
        Stop when the relative Frobenius change of :math:`\Sigma` falls below it.
    max_iter : int, default=1000

    Returns
    -------
    mean : ndarray of shape (d,)
    cov : ndarray of shape (d, d)

    References
    ----------
    P. C. Álvarez-Esteban, E. del Barrio, J. A. Cuesta-Albertos, C. Matrán. A fixed-point
    approach to barycenters in Wasserstein space. J. Math. Anal. Appl. 441 (2016).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_wb.numerics import gaussian_barycenter
    >>> mean, cov = gaussian_barycenter(np.zeros((2, 1)), [[[1.0]], [[9.0]]])
    >>> cov
    array([[4.]])
    """
    means, covs = _check_gaussians(means, covs)
    weights = _check_weights(weights, len(means))
    cov = np.einsum("i,ijk->jk", weights, covs)
    for _ in range(max_iter):
        root = sqrtm_psd(cov)
        eigvals, eigvecs = np.linalg.eigh(0.5 * (root + root.T))
        inv_root = (eigvecs / np.clip(eigvals, np.finfo(float).tiny, None)) @ eigvecs.T
        mixed = sum(w * sqrtm_psd(root @ c @ root) for w, c in zip(weights, covs))
        new_cov = inv_root @ mixed @ mixed @ inv_root
        new_cov = 0.5 * (new_cov + new_cov.T)
        change = np.linalg.norm(new_cov - cov) / np.linalg.norm(cov)
        cov = new_cov
        if change < tol:
            break
    return weights @ means, cov


def bures_wasserstein_distance(mean1, cov1, mean2, cov2):
    r"""Squared 2-Wasserstein distance between two Gaussian measures.

    .. math:: W_2^2 = \|m_1 - m_2\|^2 + \operatorname{tr}\big(\Sigma_1 + \Sigma_2 -
              2(\Sigma_1^{1/2}\Sigma_2\Sigma_1^{1/2})^{1/2}\big)

    Parameters
    ----------
    mean1, mean2 : array-like of shape (d,)
    cov1, cov2 : array-like of shape (d, d)

    Returns
    -------
    w2_squared : float
        Non-negative (round-off below zero is clipped).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_wb.numerics import bures_wasserstein_distance
    >>> bures_wasserstein_distance([0.0], [[1.0]], [3.0], [[4.0]])
    10.0
    """
    mean1, mean2 = np.asarray(mean1, float), np.asarray(mean2, float)
    cov1, cov2 = np.asarray(cov1, float), np.asarray(cov2, float)
    root1 = sqrtm_psd(cov1)
    cross = sqrtm_psd(root1 @ cov2 @ root1)
    value = np.sum((mean1 - mean2) ** 2) + np.trace(cov1) + np.trace(cov2) - 2 * np.trace(cross)
    return float(max(value, 0.0))


def gaussian_transport_matrix(source_cov, target_cov):
    r"""Symmetric matrix :math:`T` of the optimal map between centred Gaussians.

    :math:`x \mapsto T x` pushes :math:`\mathcal N(0, \Sigma_s)` onto
    :math:`\mathcal N(0, \Sigma_t)`, with :math:`T = \Sigma_s^{-1/2}(\Sigma_s^{1/2}
    \Sigma_t\Sigma_s^{1/2})^{1/2}\Sigma_s^{-1/2}`; it is the Hessian of the convex
    potential of that map.

    Parameters
    ----------
    source_cov, target_cov : array-like of shape (d, d)
        Symmetric positive definite covariances.

    Returns
    -------
    transport : ndarray of shape (d, d)

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_wb.numerics import gaussian_transport_matrix
    >>> gaussian_transport_matrix(np.eye(2), 4 * np.eye(2))
    array([[2., 0.],
           [0., 2.]])
    """
    root = sqrtm_psd(np.asarray(source_cov, float))
    eigvals, eigvecs = np.linalg.eigh(root)
    inv_root = (eigvecs / eigvals) @ eigvecs.T
    transport = inv_root @ sqrtm_psd(root @ np.asarray(target_cov, float) @ root) @ inv_root
    return 0.5 * (transport + transport.T)
