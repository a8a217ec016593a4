"""The grid solver's start: closed-form potentials of the inputs' Gaussian fits."""

import numpy as np
import pytest
import torch

from sklearn_wb.numerics import gaussian_barycenter, gaussian_transport_matrix
from sklearn_wb.numerics.grid_gaussian_potentials import (
    gaussian_log_scalings,
    gaussian_map_matrices,
)


@pytest.mark.parametrize("seed", range(5))
def test_map_matrices_match_the_closed_forms(seed):
    """The batched 2 x 2 fixed point against gaussian_barycenter and
    gaussian_transport_matrix (eigendecompositions, run to 1e-10): within 1 %, as a start
    needs (0.63 % worst over 200 random problems)."""
    rng = np.random.default_rng(seed)
    factors = rng.normal(size=(6, 4, 2, 2)) * rng.uniform(0.01, 1, size=(6, 4, 1, 1))
    covs = factors @ factors.transpose(0, 1, 3, 2) + 1e-4 * np.eye(2)
    weights = rng.dirichlet(np.ones(4), size=6)
    fast = gaussian_map_matrices(covs, weights)
    for problem in range(6):
        _, cov = gaussian_barycenter(np.zeros((4, 2)), covs[problem], weights[problem])
        for i in range(4):
            exact = gaussian_transport_matrix(covs[problem, i], cov)
            error = np.abs(fast[problem, i] - exact).max() / np.abs(exact).max()
            assert error < 0.01


def test_translated_copies_have_linear_potentials():
    """Between translated copies of one image the optimal maps are translations to the
    mean position, T_i(x) = x + m - m_i, whose potentials are f_i(x) = -2 (m - m_i) . x:
    the log scalings change by -2 (m - m_i) spacing / reg from one cell to the next."""
    size, reg = 24, 0.004
    spacing = 1 / (size - 1)
    image = np.zeros((size, size))
    image[4:8, 3:9] = np.arange(24).reshape(4, 6) + 1.0
    shifts = np.array([[0, 0], [10, 4], [6, 12]])
    measures = np.stack([np.roll(image, tuple(shift), axis=(0, 1)) for shift in shifts])
    measures /= measures.sum(axis=(1, 2), keepdims=True)
    weights = np.array([0.5, 0.3, 0.2])
    log_u = gaussian_log_scalings(
        torch.as_tensor(measures)[None], torch.as_tensor(weights)[None], reg, spacing
    )[0].numpy()
    moves = (weights @ shifts - shifts) * spacing  # m - m_i
    for log_u_i, move in zip(log_u, moves, strict=True):
        np.testing.assert_allclose(np.diff(log_u_i, axis=0), -2 * move[0] * spacing / reg)
        np.testing.assert_allclose(np.diff(log_u_i, axis=1), -2 * move[1] * spacing / reg)
        assert log_u_i.max() == 0


def test_one_cell_inputs_give_finite_potentials():
    """A single cell has no spread; the cell's own variance keeps its fit invertible."""
    measures = np.zeros((1, 2, 8, 8))
    measures[0, 0, 1, 1] = measures[0, 1, 6, 5] = 1.0
    log_u = gaussian_log_scalings(
        torch.as_tensor(measures), torch.tensor([[0.5, 0.5]], dtype=torch.float64), 0.004, 1 / 7
    )
    assert torch.isfinite(log_u).all()


def test_log_scalings_are_the_closed_form_potentials():
    """Against f_i(x) = |x|^2 - 2 psi_i(x) evaluated cell by cell from gaussian_barycenter
    and gaussian_transport_matrix, on rotated anisotropic blobs (the cross term counts):
    equal up to the fixed point's error, well below 1 % of the potentials' range."""
    size, reg = 20, 0.004
    spacing = 1 / (size - 1)
    rows, cols = np.indices((size, size)) * spacing
    points = np.stack([rows, cols], axis=-1).reshape(-1, 2)
    rng = np.random.default_rng(3)
    measures, means, covs = [], [], []
    for _ in range(3):
        rotation = np.linalg.qr(rng.normal(size=(2, 2)))[0]
        cov = rotation @ np.diag(rng.uniform(0.002, 0.02, size=2)) @ rotation.T
        offset = points - rng.uniform(0.35, 0.65, size=2)
        density = np.exp(-0.5 * np.einsum("pi,ij,pj->p", offset, np.linalg.inv(cov), offset))
        measures.append(density / density.sum())
        means.append(measures[-1] @ points)
        centred = points - means[-1]
        covs.append((centred * measures[-1][:, None]).T @ centred + spacing**2 / 12 * np.eye(2))
    weights = np.array([0.2, 0.5, 0.3])
    mean, cov = gaussian_barycenter(np.array(means), np.array(covs), weights)
    log_u = gaussian_log_scalings(
        torch.as_tensor(np.reshape(measures, (1, 3, size, size))),
        torch.as_tensor(weights)[None],
        reg,
        spacing,
    )[0].numpy()
    for log_u_i, mean_i, cov_i in zip(log_u, means, covs, strict=True):
        centred = points - mean_i
        matrix = gaussian_transport_matrix(cov_i, cov)
        brenier = points @ mean + 0.5 * np.einsum("pi,ij,pj->p", centred, matrix, centred)
        expected = ((points**2).sum(axis=1) - 2 * brenier) / reg
        expected = (expected - expected.max()).reshape(size, size)
        np.testing.assert_allclose(log_u_i, expected, atol=1e-3 * np.ptp(expected))
