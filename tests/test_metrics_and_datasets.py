import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sklearn_wb.numerics import (
    bw2_uvp,
    bw2_uvp_floor,
    gaussian_barycenter,
    kde_kl,
    l2_uvp,
    make_gaussian_mixtures,
    make_random_ellipses,
    make_random_lines,
    paper_gaussians,
    quasi_random_mixture,
    random_gaussians,
    relative_covariance_error,
    sample_gaussians,
)

seeds = st.integers(0, 2**31 - 1)


@given(seed=seeds, dim=st.integers(1, 5))
def test_bw2_uvp_small_for_exact_samples_large_for_wrong_ones(seed, dim):
    (mean,), (cov,) = random_gaussians(1, dim, random_state=seed)
    rng = np.random.default_rng(seed)
    exact = rng.multivariate_normal(mean, cov, 20_000)
    assert bw2_uvp(exact, mean, cov) < 0.5
    assert bw2_uvp(exact * 1.5, mean, cov) > 5.0


def test_bw2_uvp_floor_shrinks_with_samples():
    mean, cov = gaussian_barycenter(*paper_gaussians())
    assert bw2_uvp_floor(100_000, mean, cov, random_state=0) < bw2_uvp_floor(
        1_000, mean, cov, random_state=0
    )


@pytest.mark.parametrize("dim", [2, 16])
def test_quasi_random_floor_is_far_below_the_independent_one(dim):
    mean, cov = gaussian_barycenter(*random_gaussians(3, dim, random_state=dim))
    independent = bw2_uvp_floor(10_000, mean, cov, random_state=0)
    quasi_random = bw2_uvp_floor(10_000, mean, cov, random_state=0, quasi_random=True)
    assert 0 < quasi_random < independent / 100
    assert quasi_random == bw2_uvp_floor(10_000, mean, cov, random_state=0, quasi_random=True)


def test_quasi_random_gaussian_samples_cover_each_measure():
    means, covs = random_gaussians(2, 3, random_state=0)
    X, y = sample_gaussians(means, covs, 4096, random_state=0, quasi_random=True)
    np.testing.assert_array_equal(y, np.repeat([0, 1], 4096))
    for index in range(2):
        block = X[y == index]
        np.testing.assert_allclose(block.mean(axis=0), means[index], atol=1e-3)
        np.testing.assert_allclose(np.cov(block, rowvar=False), covs[index], atol=2e-3)
    again, _ = sample_gaussians(means, covs, 4096, random_state=0, quasi_random=True)
    np.testing.assert_array_equal(X, again)


def test_l2_uvp():
    x = np.random.default_rng(0).normal(size=(1000, 2))
    assert l2_uvp(x, x) == 0.0
    assert l2_uvp(x + 1.0, x) == pytest.approx(100 * 2 / x.var(axis=0).sum())


def test_relative_covariance_error_of_scaled_samples():
    x = np.random.default_rng(0).normal(size=(200_000, 3))
    assert relative_covariance_error(2 * x, np.eye(3)) == pytest.approx(3.0, rel=0.02)


def test_kde_kl_has_the_documented_floor():
    mean, cov = gaussian_barycenter(*paper_gaussians())
    exact = np.random.default_rng(0).multivariate_normal(mean, cov, 10_000)
    floor = kde_kl(exact, mean, cov)
    assert 0.005 < floor < 0.02  # the paper's setting: exact samples score about 0.011
    assert kde_kl(exact + 1.0, mean, cov) > 10 * floor


def test_metrics_reject_wrong_dimensions():
    mean, cov = gaussian_barycenter(*paper_gaussians())
    with pytest.raises(ValueError, match="features"):
        bw2_uvp(np.zeros((10, 3)), mean, cov)
    with pytest.raises(ValueError, match="2-D"):
        kde_kl(np.zeros((10, 3)), np.zeros(3), np.eye(3))


@pytest.mark.parametrize(
    "make, n_measures",
    [
        (lambda rs: make_gaussian_mixtures(2, 100, random_state=rs), 2),
        (lambda rs: make_gaussian_mixtures(3, 100, random_state=rs), 3),
        (lambda rs: make_gaussian_mixtures(2, 100, random_state=rs, quasi_random=True), 2),
        (lambda rs: make_random_lines(10, 100, random_state=rs), 10),
        (lambda rs: make_random_ellipses(20, 100, random_state=rs), 20),
        (lambda rs: sample_gaussians(*paper_gaussians(), 100, random_state=rs), 4),
    ],
)
def test_generators_are_seeded_and_labelled(make, n_measures):
    X, y = make(0)
    X_again, _ = make(0)
    X_other, _ = make(1)
    assert X.shape == (100 * n_measures, 2)
    assert np.array_equal(np.bincount(y), np.full(n_measures, 100))
    np.testing.assert_array_equal(X, X_again)
    assert not np.allclose(X, X_other)


def test_quasi_random_mixture_gives_every_component_its_share():
    centres = [[4, 4], [4, -4], [-4, -4]]
    X, components = quasi_random_mixture(centres, 0.5, 3000, random_state=0)
    assert np.all(np.abs(np.bincount(components, minlength=3) - 1000) <= 1)  # Sobol: +-1
    # each sample lies near its own component's centre (5 standard deviations: 1 - 4e-6)
    distances = np.linalg.norm(X - np.asarray(centres, dtype=float)[components], axis=1)
    assert distances.max() < 2.5 and 0.4 < distances.mean() < 0.8  # 0.5 sqrt(pi / 2) = 0.63


@pytest.mark.parametrize(
    ("centres", "std", "message"),
    [([0.0, 1.0], 1.0, "2D array"), ([[0.0, np.nan]], 1.0, "NaN"), ([[0.0, 0.0]], 0.0, "std")],
)
def test_quasi_random_mixture_rejects_bad_input(centres, std, message):
    with pytest.raises(ValueError, match=message):
        quasi_random_mixture(centres, std, 10, random_state=0)


def test_mixture_rejects_unknown_count():
    with pytest.raises(ValueError, match="2 or 3"):
        make_gaussian_mixtures(4)
