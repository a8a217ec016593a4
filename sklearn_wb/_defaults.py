"""Default network sizes and schedules, in one place, chosen by measurement.

The figures behind each choice are in docs/benchmarks (``python -m sklearn_wb reproduce
gaussians`` and ``... dimensions``).
"""


def potential_hidden_sizes(dim):
    """ICNN widths for potentials on R^dim: the quadratic part carries the Gaussian
    structure, so the network only needs to model the remainder."""
    width = min(max(16, 2 * dim), 128)
    return (width, width)


def generator_hidden_sizes(dim):
    """Residual widths of the generator on R^dim."""
    return (min(max(16, 2 * dim), 128),)


# EMA decay of the weights per outer iteration (see deep/averaging.py).
WEIGHT_AVERAGING_DECAY = 0.99
