r"""Closed-form dual potentials of the grid solver's inputs, from their Gaussian fits.

The debiased Sinkhorn fixed point starts its input scalings at 1 (POT's start): zero
potentials, far from the answer when mass must travel, and the long moves are its slow
modes. Each input's moment fit :math:`\mathcal N(m_i, \Sigma_i)` gives them in closed form:
the optimal map from that fit to the fits' Gaussian barycenter :math:`\mathcal N(m, \Sigma)`
is affine, :math:`T_i(x) = m + M_i (x - m_i)`, the gradient of
:math:`\psi_i(x) = m \cdot x + \tfrac12 (x - m_i)^\top M_i (x - m_i)`, and for the cost
:math:`|x - y|^2` the input's potential is :math:`f_i(x) = |x|^2 - 2\psi_i(x)`. The
scalings start at :math:`u_i = e^{f_i / \varepsilon}`.

This moves where the fixed point starts, not where it goes: the answer is the debiased
barycenter whatever the inputs' shapes. On exact Gaussians and location-scale copies the
maps are the optimal maps; elsewhere they carry the bulk of each input's mass the right
way, and the iterations find the rest.

Everything but the final grid is 2 x 2 matrices or per-axis vectors, with square roots and
inverses in closed form, batched over problems and inputs: the start costs 0.7-0.9 ms at
64 x 64 on one thread, about two of the solver's iterations. The general-dimension
:func:`~sklearn_wb.numerics.gaussian_barycenter` and
:func:`~sklearn_wb.numerics.gaussian_transport_matrix` (eigendecompositions, one problem
at a time) took 2.6 ms for the maps of one 5-input problem, against 0.45 ms here; the tests
check these against them.
"""

import numpy as np
import torch

# Fixed-point steps for the fits' barycenter covariance, from (sum_i w_i Sigma_i^1/2)^2 (exact
# when the covariances commute). A start needs no more: on 200 random problems (k = 2-5) the
# maps M_i were within 0.63 % of the converged ones after 6 steps (8.7 % after 2).
_FIXED_POINT_STEPS = 6


def gaussian_log_scalings(measures, weights, reg, spacing):
    r"""Log input scalings :math:`f_i / \varepsilon` from the inputs' Gaussian fits.

    Parameters
    ----------
    measures : torch.Tensor of shape (n, k, H, W)
        Unit-mass images.
    weights : torch.Tensor of shape (n, k)
    reg : float
        The solver's :math:`\varepsilon`, for the kernel :math:`e^{-|x - y|^2 / \varepsilon}`.
    spacing : float
        Distance between neighbouring cells (the solver's grid).

    Returns
    -------
    torch.Tensor of shape (n, k, H, W)
        Each image's largest value is 0, so the scalings neither over- nor underflow where
        the Gibbs kernel itself stays positive.
    """
    height, width = measures.shape[-2:]
    rows, cols = np.arange(height) * spacing, np.arange(width) * spacing
    # Moments from the marginals and one matrix-vector product (the grid is a product of its
    # axes); everything else is (n, k) numbers or (n, k, side) vectors, cheaper in numpy.
    # Only the last outer sum is a full grid.
    row_mass, col_mass, row_cross = (
        tensor.cpu().numpy()
        for tensor in (
            measures.sum(dim=-1),
            measures.sum(dim=-2),
            measures @ torch.as_tensor(cols, dtype=measures.dtype, device=measures.device),
        )
    )
    weights = weights.cpu().numpy()
    means = np.stack([row_mass @ rows, col_mass @ cols], axis=-1)
    cross = row_cross @ rows
    second = np.stack([row_mass @ rows**2, cross, cross, col_mass @ cols**2], axis=-1)
    covs = second.reshape(*cross.shape, 2, 2) - means[..., :, None] * means[..., None, :]
    # A cell is a square of side ``spacing``: its own variance keeps one-cell inputs and
    # straight lines positive definite
    maps = gaussian_map_matrices(covs + spacing**2 / 12 * np.eye(2), weights)
    # f_i(x) = x'(I - M_i)x + 2 x'(M_i m_i - m) + a constant, which the shift below drops
    quadratic = (np.eye(2) - maps) / reg
    mean = np.einsum("nk,nkd->nd", weights, means)
    linear = 2 * ((maps @ means[..., None])[..., 0] - mean[:, None]) / reg
    by_row = quadratic[..., 0, 0, None] * rows**2 + linear[..., 0, None] * rows
    by_col = quadratic[..., 1, 1, None] * cols**2 + linear[..., 1, None] * cols
    by_both = 2 * quadratic[..., 0, 1, None] * rows
    by_row, by_col, by_both, cols = (
        torch.as_tensor(array, dtype=measures.dtype, device=measures.device)
        for array in (by_row, by_col, by_both, cols)
    )
    log_scalings = (by_row[..., :, None] + by_col[..., None, :]).addcmul_(
        by_both[..., :, None], cols
    )
    return log_scalings - log_scalings.amax(dim=(-2, -1), keepdim=True)


def gaussian_map_matrices(covs, weights):
    r"""Matrices :math:`M_i` of the optimal maps from centred Gaussians to their barycenter.

    Parameters
    ----------
    covs : ndarray of shape (n, k, 2, 2)
        Positive definite covariances.
    weights : ndarray of shape (n, k)

    Returns
    -------
    ndarray of shape (n, k, 2, 2)
        :math:`M_i = \Sigma_i^{-1/2} (\Sigma_i^{1/2} \Sigma \Sigma_i^{1/2})^{1/2}
        \Sigma_i^{-1/2}`, with :math:`\Sigma` the barycenter's covariance.
    """
    weights = weights[..., None, None]
    roots = _sqrtm(covs)
    mean_root = (weights * roots).sum(axis=1)
    cov = mean_root @ mean_root
    for _ in range(_FIXED_POINT_STEPS):
        root = _sqrtm(cov)
        mixed = (weights * _sqrtm(root[:, None] @ covs @ root[:, None])).sum(axis=1)
        inv_root = _inverse(root)
        cov = inv_root @ mixed @ mixed @ inv_root
    inv_roots = _inverse(roots)
    return inv_roots @ _sqrtm(roots @ cov[:, None] @ roots) @ inv_roots


def _sqrtm(matrices):
    r"""Square roots of (..., 2, 2) positive definite matrices:
    :math:`(A + sI) / \sqrt{\mathrm{tr} A + 2s}`, :math:`s = \sqrt{\det A}`."""
    root_det = np.sqrt(np.maximum(_det(matrices), 0))
    roots = matrices.copy()
    roots[..., 0, 0] += root_det
    roots[..., 1, 1] += root_det
    return (
        roots / np.sqrt(matrices[..., 0, 0] + matrices[..., 1, 1] + 2 * root_det)[..., None, None]
    )


def _inverse(matrices):
    """Inverses of (..., 2, 2) invertible matrices: the adjugate over the determinant."""
    adjugate = np.swapaxes(matrices[..., ::-1, ::-1], -1, -2) * np.array([[1, -1], [-1, 1]])
    return adjugate / _det(matrices)[..., None, None]


def _det(matrices):
    return matrices[..., 0, 0] * matrices[..., 1, 1] - matrices[..., 0, 1] * matrices[..., 1, 0]
