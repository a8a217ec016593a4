r"""Uniform measures on segments (the NWB paper's random lines) and their exact barycenter.

A segment is a centre :math:`c` and a half-axis :math:`v`: its uniform measure is the law of
:math:`c + u v` with :math:`u` uniform on :math:`[-1, 1]`. Between two of them the squared
cost :math:`|c_i - c_j + u v_i - u' v_j|^2` couples :math:`u` and :math:`u'` only through
:math:`-2 (v_i \cdot v_j) u u'`, so the optimal plan is :math:`u' = u` where
:math:`v_i \cdot v_j > 0` and :math:`u' = -u` where it is negative. The barycenter with
weights :math:`w` solves the multi-marginal problem with cost
:math:`\sum_{i<j} w_i w_j |x_i - x_j|^2` (Agueh & Carlier, 2011). Where the half-axes can be
oriented so that every pair has :math:`v_i \cdot v_j \ge 0` (two segments always can), the
one coupling :math:`u \mapsto (c_i + u v_i)_i` is optimal for every pair at once, hence for
the sum, and the barycenter is the uniform measure on the segment
:math:`\sum_i w_i c_i + u \sum_i w_i v_i`.
"""

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_array

from .gaussian import _check_weights

# make_random_lines: segments of length 4
_HALF_LENGTH = 2.0


def random_segments(n_segments=10, *, random_state=None):
    """The random segments of :func:`make_random_lines` with the same ``random_state``.

    Parameters
    ----------
    n_segments : int, default=10
    random_state : int, RandomState instance or None

    Returns
    -------
    centres : ndarray of shape (n_segments, 2)
        Uniform in [-1, 1]^2.
    half_axes : ndarray of shape (n_segments, 2)
        Of length 2 in a uniform direction: segment i runs from ``centres[i] -
        half_axes[i]`` to ``centres[i] + half_axes[i]``.
    """
    return _draw_segments(check_random_state(random_state), n_segments)


def _draw_segments(rng, n_segments):
    centres = rng.uniform(-1, 1, size=(n_segments, 2))
    angles = rng.uniform(0, np.pi, size=n_segments)
    return centres, _HALF_LENGTH * np.stack([np.cos(angles), np.sin(angles)], axis=1)


def make_random_lines(n_measures=10, n_samples_per_measure=1000, *, random_state=None):
    """Uniform measures on random segments through the origin's neighbourhood (Sec. 4.2).

    The sharp-marginal example of Claici et al. (2018, Fig. 4) used in the NWB paper's
    Fig. 5a: each segment has a random centre in [-1, 1]^2, a random direction and
    length 4 (:func:`random_segments` returns them).

    Parameters
    ----------
    n_measures : int, default=10
    n_samples_per_measure : int, default=1000
    random_state : int, RandomState instance or None

    Returns
    -------
    X : ndarray of shape (n_measures * n_samples_per_measure, 2)
    y : ndarray of shape (n_measures * n_samples_per_measure,)
    """
    rng = check_random_state(random_state)
    centres, half_axes = _draw_segments(rng, n_measures)
    size = (n_measures, n_samples_per_measure, 1)
    positions = rng.uniform(-_HALF_LENGTH, _HALF_LENGTH, size=size)
    X = centres[:, None, :] + positions * (half_axes / _HALF_LENGTH)[:, None, :]
    return X.reshape(-1, 2), np.repeat(np.arange(n_measures), n_samples_per_measure)


def segment_barycenter(
    centres, half_axes, weights=None, n_samples=1000, *, random_state=None, quasi_random=False
):
    """Exact samples of the Wasserstein barycenter of uniform measures on segments.

    The barycenter is the uniform measure on the segment ``weights @ centres + u *
    (weights @ oriented half-axes)``, ``u`` uniform on [-1, 1], where the half-axes can be
    oriented with pairwise non-negative inner products (see the module docstring); two
    segments always can.

    Parameters
    ----------
    centres : array-like of shape (n_segments, n_features)
    half_axes : array-like of shape (n_segments, n_features)
        Segment i runs from ``centres[i] - half_axes[i]`` to ``centres[i] + half_axes[i]``.
    weights : array-like of shape (n_segments,) or None, default=None
        Barycentric weights on the simplex; ``None`` means uniform.
    n_samples : int, default=1000
    random_state : int, RandomState instance or None
    quasi_random : bool, default=False
        One point in each of ``n_samples`` equal strata of ``u`` (in random order) instead
        of independent draws: the floor of a sampler that covers its law evenly, as the
        estimators' ``sample`` does by default.

    Returns
    -------
    samples : ndarray of shape (n_samples, n_features)

    Raises
    ------
    ValueError
        Where no orientation makes every pair of half-axes non-negatively aligned: the
        barycenter then has no closed form here.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_wb.numerics import segment_barycenter
    >>> centres, half_axes = np.array([[0.0, 0.0], [2.0, 0.0]]), np.array([[0.0, 1.0], [0.0, -3.0]])
    >>> samples = segment_barycenter(
    ...     centres, half_axes, [0.5, 0.5], 4, random_state=0, quasi_random=True
    ... )
    >>> samples[:, 0].tolist(), np.floor(np.sort(samples[:, 1])).tolist()  # one per stratum
    ([1.0, 1.0, 1.0, 1.0], [-2.0, -1.0, 0.0, 1.0])
    """
    centres = check_array(centres, input_name="centres")
    half_axes = check_array(half_axes, input_name="half_axes")
    if half_axes.shape != centres.shape:
        raise ValueError(
            f"half_axes must have the shape of centres {centres.shape}, got {half_axes.shape}."
        )
    half_axes = _oriented(half_axes)
    weights = _check_weights(weights, len(centres))
    rng = check_random_state(random_state)
    if quasi_random:
        u = (rng.permutation(n_samples) + rng.uniform(size=n_samples)) / n_samples * 2 - 1
    else:
        u = rng.uniform(-1, 1, size=n_samples)
    return weights @ centres + u[:, None] * (weights @ half_axes)


def _oriented(half_axes):
    """The half-axes flipped so that every pair has a non-negative inner product;
    ValueError where no choice of signs does.

    A nonzero inner product fixes the relative sign of its pair, so the signs spread from
    segment to segment along nonzero products; segments orthogonal to all the others keep
    theirs.
    """
    products = half_axes @ half_axes.T
    signs = np.zeros(len(half_axes))
    for start in range(len(half_axes)):
        if signs[start]:
            continue
        signs[start], stack = 1.0, [start]
        while stack:
            i = stack.pop()
            for j in np.flatnonzero((products[i] != 0) & (signs == 0)):
                signs[j] = signs[i] * np.sign(products[i, j])
                stack.append(j)
    oriented = signs[:, None] * half_axes
    if np.any(oriented @ oriented.T < 0):
        raise ValueError(
            "segment_barycenter needs half-axes that can be oriented with pairwise "
            "non-negative inner products (always true for two segments); these cannot, and "
            "their barycenter has no closed form here."
        )
    return oriented
