"""Random shape contours (the DCNN paper's ContoursDS, Sec. 3.2) as probability histograms.

A shape starts from one random primitive (filled ellipse, triangle, rectangle or line) and
is combined ``d`` times with new primitives by OR, AND, XOR or NOT (read as ``A AND NOT B``,
the binary form of NOT). The depth follows the paper's mixture
``d ~ 1/3 (U(0, 50) + N(0, 2.5) + N(50, 2.5))``: one of the three components is picked
with probability 1/3, its draw is rounded and clipped to the paper's range ``[0, 50]``,
so about a sixth of the shapes are single primitives and another sixth use all 50 steps.
The contour is the Sobel gradient magnitude of the binary shape, normalised to unit mass.

Primitives are drawn in unit coordinates and then scaled to the grid, so shapes look alike
at every size.
"""

import numpy as np
from skimage.draw import ellipse, line, polygon
from skimage.filters import sobel
from sklearn.utils import check_random_state

MAX_DEPTH = 50
_OPERATORS = (
    np.logical_or,
    np.logical_and,
    np.logical_xor,
    lambda a, b: a & ~b,  # NOT, as a binary operator
)


def _box(center, half_sizes, angle):
    """Corners of a rectangle rotated by ``angle``, shape (4, 2)."""
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    corners = np.array([[-1, -1], [-1, 1], [1, 1], [1, -1]]) * half_sizes
    return center + corners @ rotation.T


def _primitive(rng, size):
    """A filled primitive as a boolean (size, size) mask."""
    mask = np.zeros((size, size), dtype=bool)
    kind = rng.integers(4)
    if kind == 0:  # ellipse
        center = rng.uniform(0.1, 0.9, size=2) * size
        radii = rng.uniform(0.05, 0.4, size=2) * size
        rr, cc = ellipse(*center, *radii, shape=mask.shape, rotation=rng.uniform(-np.pi, np.pi))
    elif kind == 1:  # triangle
        vertices = rng.uniform(0, 1, size=(3, 2)) * size
        rr, cc = polygon(vertices[:, 0], vertices[:, 1], shape=mask.shape)
    elif kind == 2:  # rectangle
        half_sizes = rng.uniform(0.05, 0.4, size=2)
        corners = _box(rng.uniform(0.1, 0.9, size=2), half_sizes, rng.uniform(0, np.pi)) * size
        rr, cc = polygon(corners[:, 0], corners[:, 1], shape=mask.shape)
    else:  # line: a thin box along a segment; its 1-pixel centre line keeps it visible
        ends = rng.uniform(0, 1, size=(2, 2))
        delta = ends[1] - ends[0]
        half_sizes = [np.linalg.norm(delta) / 2, rng.uniform(0.005, 0.02)]
        corners = _box(ends.mean(axis=0), half_sizes, np.arctan2(delta[1], delta[0])) * size
        rr, cc = polygon(corners[:, 0], corners[:, 1], shape=mask.shape)
        mask[rr, cc] = True
        pixels = np.round(ends * (size - 1)).astype(int)
        rr, cc = line(*pixels[0], *pixels[1])
    mask[rr, cc] = True
    return mask


def _depth(rng):
    """Number of boolean operations, from the paper's three-component mixture."""
    component = rng.integers(3)
    value = (rng.uniform(0, 50), rng.normal(0, 2.5), rng.normal(50, 2.5))[component]
    return int(np.clip(np.round(value), 0, MAX_DEPTH))


def _shape(rng, size):
    mask = _primitive(rng, size)
    for _ in range(_depth(rng)):
        mask = _OPERATORS[rng.integers(len(_OPERATORS))](mask, _primitive(rng, size))
    return mask


def _contour(rng, size):
    """Sobel contour of a random shape with unit mass; redrawn until it is not empty."""
    while True:
        edges = sobel(_shape(rng, size).astype(np.float64))
        total = edges.sum()
        if total > 0:  # empty or full shapes have no contour
            return edges / total


def random_shape_contours(n_shapes, size=64, *, random_state=None):
    """Random CSG shape contours as probability histograms (DCNN paper, Sec. 3.2).

    Parameters
    ----------
    n_shapes : int
        Number of shapes.
    size : int, default=64
        Side of the square grid, a power of 2 (at least 8).
    random_state : int, RandomState instance or None, default=None
        Seeds the shapes; NumPy's ``Generator`` is seeded from it.

    Returns
    -------
    contours : ndarray of shape (n_shapes, size, size), dtype float64
        Non-negative images, each summing to 1, none empty.

    Examples
    --------
    >>> from sklearn_wb.numerics import random_shape_contours
    >>> contours = random_shape_contours(3, size=32, random_state=0)
    >>> contours.shape, bool((contours >= 0).all()), contours.sum(axis=(1, 2)).round(6)
    ((3, 32, 32), True, array([1., 1., 1.]))
    """
    return _draw(_contour, n_shapes, size, random_state)


def _filled(rng, size):
    """A random shape with constant density and unit mass; redrawn until it is not empty."""
    while True:
        mask = _shape(rng, size)
        if mask.any():
            return mask / mask.sum()


def random_filled_shapes(n_shapes, size=64, *, random_state=None):
    """Random CSG shapes (as in :func:`random_shape_contours`), filled, as histograms.

    Parameters
    ----------
    n_shapes : int
        Number of shapes.
    size : int, default=64
        Side of the square grid, a power of 2 (at least 8).
    random_state : int, RandomState instance or None, default=None
        Seeds the shapes; NumPy's ``Generator`` is seeded from it.

    Returns
    -------
    shapes : ndarray of shape (n_shapes, size, size), dtype float64
        Constant on each shape and 0 outside, each summing to 1, none empty.

    Examples
    --------
    >>> from sklearn_wb.numerics import random_filled_shapes
    >>> filled = random_filled_shapes(3, size=32, random_state=0)
    >>> filled.shape, bool((filled >= 0).all()), filled.sum(axis=(1, 2)).round(6)
    ((3, 32, 32), True, array([1., 1., 1.]))
    """
    return _draw(_filled, n_shapes, size, random_state)


def _draw(draw_one, n_shapes, size, random_state):
    """``n_shapes`` images ``draw_one(rng, size)`` stacked, from one seeded Generator."""
    if size < 8 or size & (size - 1):
        raise ValueError(f"size must be a power of 2 and at least 8, got {size}.")
    seed = check_random_state(random_state).randint(np.iinfo(np.int32).max)
    rng = np.random.default_rng(seed)
    images = [draw_one(rng, size) for _ in range(n_shapes)]
    return np.array(images, dtype=np.float64).reshape(n_shapes, size, size)
