"""Families of grid images that users bring, as probability histograms for training data.

Every generator has the signature ``(n, size, rng) -> images``: ``n`` images of shape
``(size, size)``, float64, non-negative, each of unit mass, drawn with the NumPy
``Generator`` ``rng``. Lengths are drawn as fractions of the grid side, so a family looks
alike at every size. :data:`GRID_FAMILIES` maps each family's name to its generator.

- ``contours``, ``filled_shapes``: random CSG shapes (:mod:`.shapes`), the DCNN paper's data.
- ``gaussian_blobs``: one anisotropic Gaussian; ``gaussian_mixtures``: two to five.
- ``strokes``: digit-like sketches, one to three cubic Bezier strokes of varying thickness.
- ``thin_lines``: one to four anti-aliased straight lines, one pixel wide.
- ``smooth_fields``: smooth histograms like chrominance, either blurred noise raised to a
  power or a sum of broad anisotropic Gaussians.
- ``near_uniform``: the uniform density times ``1 + a f`` with ``f`` a smooth field in
  [-1, 1] and ``a`` up to 0.3 (exactly uniform one time in five).
- ``random_intensities``: independent random values per cell, masked by a random filled
  shape half of the time.
"""

import numpy as np
from scipy.ndimage import binary_dilation, gaussian_filter
from skimage.draw import disk, line_aa

from .shapes import random_filled_shapes, random_shape_contours

_SEED_BOUND = 2**31 - 1


def _unit_mass(images):
    images = np.asarray(images, dtype=np.float64)
    return images / images.sum(axis=(-2, -1), keepdims=True)


def _cell_grid(size):
    """Cell centres in unit coordinates, shape (size, size, 2)."""
    centres = (np.arange(size) + 0.5) / size
    return np.stack(np.meshgrid(centres, centres, indexing="ij"), axis=-1)


def _gaussian(rng, size, std_range, mean_range):
    """An anisotropic Gaussian density with a random orientation (not normalised)."""
    stds = rng.uniform(*std_range, size=2)
    angle = rng.uniform(0, np.pi)
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    precision = rotation @ np.diag(1 / stds**2) @ rotation.T
    offsets = _cell_grid(size) - rng.uniform(*mean_range, size=2)
    return np.exp(-0.5 * np.einsum("...i,ij,...j->...", offsets, precision, offsets))


def _smooth_field(rng, size):
    """Blurred white noise rescaled to [-1, 1]; correlation length 5% to 20% of the side."""
    field = gaussian_filter(rng.standard_normal((size, size)), rng.uniform(0.05, 0.2) * size)
    field -= field.min()
    return 2 * field / max(field.max(), 1e-12) - 1


def contours(n, size, rng):
    """Sobel contours of random CSG shapes (the DCNN paper's ContoursDS)."""
    return random_shape_contours(n, size, random_state=int(rng.integers(_SEED_BOUND)))


def filled_shapes(n, size, rng):
    """Random CSG shapes, filled with a constant density."""
    return random_filled_shapes(n, size, random_state=int(rng.integers(_SEED_BOUND)))


def gaussian_blobs(n, size, rng):
    """One Gaussian each: standard deviations 3% to 15% of the side, mean in the middle 60%."""
    return _unit_mass([_gaussian(rng, size, (0.03, 0.15), (0.2, 0.8)) for _ in range(n)])


def gaussian_mixtures(n, size, rng):
    """Two to five Gaussians with Dirichlet(1) weights, as in :func:`gaussian_blobs`."""
    images = []
    for _ in range(n):
        n_components = rng.integers(2, 6)
        blobs = _unit_mass(
            [_gaussian(rng, size, (0.03, 0.12), (0.15, 0.85)) for _ in range(n_components)]
        )
        images.append(np.tensordot(rng.dirichlet(np.ones(n_components)), blobs, axes=1))
    return _unit_mass(images)


def _cubic_bezier(control, n_points):
    t = np.linspace(0, 1, n_points)[:, None]
    coefficients = [(1 - t) ** 3, 3 * t * (1 - t) ** 2, 3 * t**2 * (1 - t), t**3]
    return sum(c * p for c, p in zip(coefficients, control))


def _draw_polyline(image, points):
    """Anti-aliased segments between consecutive points (in cell coordinates), in place."""
    size = image.shape[0]
    pixels = np.clip(np.round(points), 0, size - 1).astype(int)
    for start, end in zip(pixels[:-1], pixels[1:]):
        rr, cc, value = line_aa(*start, *end)
        inside = (rr >= 0) & (rr < size) & (cc >= 0) & (cc < size)
        image[rr[inside], cc[inside]] = np.maximum(image[rr[inside], cc[inside]], value[inside])


def _sketch(rng, size):
    """One to three Bezier strokes inside a random box, like a hand-drawn digit."""
    image = np.zeros((size, size))
    box_size = rng.uniform(0.3, 0.8, size=2)
    corner = rng.uniform(0.05, 0.95 - box_size)
    for _ in range(rng.integers(1, 4)):
        control = (corner + rng.uniform(0, 1, size=(4, 2)) * box_size) * (size - 1)
        _draw_polyline(image, _cubic_bezier(control, 4 * size))
    radius = rng.uniform(0, 0.035) * size  # below one cell: the pen is one pixel wide
    if radius >= 1:
        pen = np.zeros((2 * int(radius) + 1,) * 2, dtype=bool)
        pen[disk((int(radius),) * 2, radius + 0.5, shape=pen.shape)] = True
        image = np.maximum(image, binary_dilation(image > 0.5, structure=pen))
    return image


def strokes(n, size, rng):
    """Digit-like sketches: Bezier strokes with a pen one pixel to 7% of the side wide."""
    return _unit_mass([_sketch(rng, size) for _ in range(n)])


def thin_lines(n, size, rng):
    """One to four anti-aliased straight lines, one pixel wide."""
    images = []
    for _ in range(n):
        image = np.zeros((size, size))
        for _ in range(rng.integers(1, 5)):
            start = rng.uniform(0, 1, size=2)
            direction = rng.uniform(0, 2 * np.pi)
            length = rng.uniform(0.2, 1.0)
            end = np.clip(start + length * np.array([np.cos(direction), np.sin(direction)]), 0, 1)
            _draw_polyline(image, np.stack([start, end]) * (size - 1))
        images.append(image)
    return _unit_mass(images)


def _chrominance(rng, size):
    if rng.random() < 0.5:  # blurred noise; a power above 1 concentrates the mass
        return (0.5 * (_smooth_field(rng, size) + 1)) ** rng.uniform(1, 4) + 1e-6
    n_components = rng.integers(1, 6)
    parts = [_gaussian(rng, size, (0.08, 0.35), (0.1, 0.9)) for _ in range(n_components)]
    return np.tensordot(rng.dirichlet(np.ones(n_components)), _unit_mass(parts), axes=1)


def smooth_fields(n, size, rng):
    """Smooth histograms like chrominance: blurred noise, or broad anisotropic Gaussians."""
    return _unit_mass([_chrominance(rng, size) for _ in range(n)])


def near_uniform(n, size, rng):
    """Uniform times ``1 + a f``, ``f`` smooth in [-1, 1], ``a`` in [0, 0.3] (0 in 20%)."""
    amplitudes = np.where(rng.random(n) < 0.2, 0.0, rng.uniform(0, 0.3, size=n))
    return _unit_mass([1 + a * _smooth_field(rng, size) for a in amplitudes])


def random_intensities(n, size, rng):
    """Uniform or exponential values per cell, masked by a filled shape half of the time."""
    images = []
    for _ in range(n):
        draw = rng.uniform if rng.random() < 0.5 else rng.exponential
        values = draw(size=(size, size))
        if rng.random() < 0.5:  # filled shapes are never empty, so some mass is left
            values *= filled_shapes(1, size, rng)[0] > 0
        images.append(values)
    return _unit_mass(images)


GRID_FAMILIES = {
    "contours": contours,
    "filled_shapes": filled_shapes,
    "gaussian_blobs": gaussian_blobs,
    "gaussian_mixtures": gaussian_mixtures,
    "strokes": strokes,
    "thin_lines": thin_lines,
    "smooth_fields": smooth_fields,
    "near_uniform": near_uniform,
    "random_intensities": random_intensities,
}
