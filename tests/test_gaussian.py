import numpy as np
import ot
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sklearn_wb.numerics import (
    bures_wasserstein_distance,
    gaussian_barycenter,
    gaussian_transport_matrix,
    paper_gaussians,
    random_gaussians,
    sqrtm_psd,
)

seeds = st.integers(0, 2**31 - 1)


def _simplex(rng, n):
    return rng.dirichlet(np.ones(n))


@given(seed=seeds, n=st.integers(2, 5), dim=st.integers(1, 8))
def test_barycenter_matches_pot(seed, n, dim):
    means, covs = random_gaussians(n, dim, random_state=seed)
    weights = _simplex(np.random.default_rng(seed), n)
    mean, cov = gaussian_barycenter(means, covs, weights)
    pot_mean, pot_cov = ot.gaussian.bures_wasserstein_barycenter(
        means, covs, weights, num_iter=10000, eps=1e-12
    )
    np.testing.assert_allclose(mean, pot_mean, atol=1e-10)
    np.testing.assert_allclose(cov, pot_cov, atol=1e-6)


@given(seed=seeds, dim=st.integers(1, 8))
def test_distance_matches_pot(seed, dim):
    (m1, m2), (c1, c2) = random_gaussians(2, dim, random_state=seed)
    pot = float(ot.gaussian.bures_wasserstein_distance(m1, m2, c1, c2)) ** 2
    assert bures_wasserstein_distance(m1, c1, m2, c2) == pytest.approx(pot, rel=1e-6, abs=1e-10)


def test_paper_barycenter():
    mean, cov = gaussian_barycenter(*paper_gaussians())
    np.testing.assert_allclose(mean, [3.0, 3.0])
    np.testing.assert_allclose(cov, [[1.95, -0.41], [-0.41, 1.61]], atol=0.006)


@pytest.mark.parametrize("dim", [64, 256])
def test_high_dimension_solves_fixed_point(dim):
    means, covs = random_gaussians(3, dim, random_state=0)
    covs[0] *= 1e-3  # badly conditioned mix
    _, cov = gaussian_barycenter(means, covs)
    assert np.all(np.isfinite(cov))
    root = sqrtm_psd(cov)
    fixed_point = sum(sqrtm_psd(root @ c @ root) for c in covs) / 3
    np.testing.assert_allclose(fixed_point, cov, atol=1e-7 * np.abs(cov).max())


@given(seed=seeds, dim=st.integers(1, 6))
def test_identical_measures_give_that_measure(seed, dim):
    means, covs = random_gaussians(1, dim, random_state=seed)
    mean, cov = gaussian_barycenter(np.repeat(means, 3, 0), np.repeat(covs, 3, 0))
    np.testing.assert_allclose(mean, means[0], atol=1e-12)
    np.testing.assert_allclose(cov, covs[0], atol=1e-8)


@given(seed=seeds, n=st.integers(2, 4), dim=st.integers(1, 6), index=st.integers(0, 3))
def test_one_hot_weights_give_that_input(seed, n, dim, index):
    index = index % n
    means, covs = random_gaussians(n, dim, random_state=seed)
    mean, cov = gaussian_barycenter(means, covs, np.eye(n)[index])
    np.testing.assert_allclose(mean, means[index], atol=1e-12)
    np.testing.assert_allclose(cov, covs[index], atol=1e-8)


@given(seed=seeds, n=st.integers(2, 4), dim=st.integers(1, 6))
def test_relabelling_with_permuted_weights_changes_nothing(seed, n, dim):
    rng = np.random.default_rng(seed)
    means, covs = random_gaussians(n, dim, random_state=seed)
    weights, order = _simplex(rng, n), rng.permutation(n)
    mean, cov = gaussian_barycenter(means, covs, weights)
    perm_mean, perm_cov = gaussian_barycenter(means[order], covs[order], weights[order])
    np.testing.assert_allclose(perm_mean, mean, atol=1e-10)
    np.testing.assert_allclose(perm_cov, cov, atol=1e-8)


@given(seed=seeds, n=st.integers(2, 4), dim=st.integers(1, 6))
def test_translation_moves_barycenter_by_weighted_shift(seed, n, dim):
    rng = np.random.default_rng(seed)
    means, covs = random_gaussians(n, dim, random_state=seed)
    weights, shifts = _simplex(rng, n), rng.normal(size=(n, dim))
    mean, cov = gaussian_barycenter(means, covs, weights)
    moved_mean, moved_cov = gaussian_barycenter(means + shifts, covs, weights)
    np.testing.assert_allclose(moved_mean, mean + weights @ shifts, atol=1e-10)
    np.testing.assert_allclose(moved_cov, cov, atol=1e-10)


@given(seed=seeds, dim=st.integers(1, 6))
def test_transport_matrix_pushes_source_onto_target(seed, dim):
    _, (source, target) = random_gaussians(2, dim, random_state=seed)
    transport = gaussian_transport_matrix(source, target)
    np.testing.assert_allclose(transport @ source @ transport, target, atol=1e-8)
    assert np.all(np.linalg.eigvalsh(transport) > 0)


def test_bad_input_is_rejected():
    means, covs = paper_gaussians()
    with pytest.raises(ValueError, match="weights must have 4"):
        gaussian_barycenter(means, covs, [0.5, 0.5])
    with pytest.raises(ValueError, match="sum to 1"):
        gaussian_barycenter(means, covs, [0.5, 0.5, 0.5, 0.5])
    with pytest.raises(ValueError, match="non-negative"):
        gaussian_barycenter(means, covs, [1.5, -0.5, 0.0, 0.0])
    with pytest.raises(ValueError, match="covs must have shape"):
        gaussian_barycenter(means, covs[:3])
    with pytest.raises(ValueError, match="NaN"):
        gaussian_barycenter(means, np.full_like(covs, np.nan))
