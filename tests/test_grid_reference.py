"""The GeomLoss reference grid barycenter: histograms out, symmetries, known answers, errors."""

import numpy as np
import pytest
import torch
from geomloss import SamplesLoss
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone

from sklearn_wb.numerics import (
    GeomLossGridBarycenter,
    grid_barycenter,
    linearised_barycenter,
    random_shape_contours,
    uniform_transport_maps,
)
from sklearn_wb.numerics import grid_reference as ref

seeds = st.integers(0, 2**31 - 1)
# Identical inputs or one-hot weights return the input up to splatting and blur: measured
# L1 over 12 contours at 32^2, 1-2 steps: mean 0.11-0.12, max 0.15 (64^2: see the docs).
# Two different contours are about 1.9 apart, so this still tells right from wrong.
SELF_L1 = 0.25


def _problem(seed, k, size=16):
    rng = np.random.default_rng(seed)
    return random_shape_contours(k, size, random_state=seed), rng.dirichlet(np.ones(k))


@settings(max_examples=6, deadline=None)
@given(seed=seeds, k=st.integers(2, 3), n_steps=st.integers(1, 2))
def test_output_is_a_histogram_invariant_to_permutation(seed, k, n_steps):
    measures, weights = _problem(seed, k)
    bary = grid_barycenter(measures, weights, n_steps=n_steps)
    assert bary.shape == (16, 16)
    assert (bary >= 0).all()
    np.testing.assert_allclose(bary.sum(), 1.0, rtol=1e-12)
    perm = np.random.default_rng(seed).permutation(k)
    permuted = grid_barycenter(measures[perm], weights[perm], n_steps=n_steps)
    np.testing.assert_allclose(permuted, bary, atol=1e-6)


@settings(max_examples=4, deadline=None)
@given(seed=seeds, n_steps=st.integers(1, 2), lam=st.floats(0.05, 0.95))
def test_identical_inputs_give_that_input(seed, n_steps, lam):
    (shape,) = random_shape_contours(1, 32, random_state=seed)
    bary = grid_barycenter(np.stack([shape, shape]), [lam, 1 - lam], n_steps=n_steps)
    assert np.abs(bary - shape).sum() < SELF_L1


@settings(max_examples=4, deadline=None)
@given(seed=seeds, n_steps=st.integers(1, 2))
def test_one_hot_weights_give_that_input(seed, n_steps):
    shapes = random_shape_contours(3, 32, random_state=seed)
    bary = grid_barycenter(shapes, [0.0, 1.0, 0.0], n_steps=n_steps)
    assert np.abs(bary - shapes[1]).sum() < SELF_L1
    assert np.abs(bary - shapes[0]).sum() > 2 * SELF_L1  # a different shape is far away


@settings(max_examples=4, deadline=None)
@given(seed=seeds)
def test_linearised_barycenter_is_one_step_from_uniform(seed):
    measures, weights = _problem(seed, 3)
    one_step = grid_barycenter(measures, weights, n_steps=1)
    maps = uniform_transport_maps(measures)
    assert maps.shape == (3, 16, 16, 2) and maps.dtype == np.float32
    np.testing.assert_allclose(linearised_barycenter(maps, weights), one_step, atol=1e-6)


def test_split_gradient_equals_geomloss_debiased_gradient():
    """sum_i w_i grad OT(b, mu_i) - grad OT(b, b) / 2 is GeomLoss's debiased gradient."""
    torch.manual_seed(0)
    blur, size = 0.05, 16  # blur of a few cells, so that the debiasing term matters
    measures, weights = _problem(0, 2, size)
    x = ref._grid_points((size, size)) + 0.01 * torch.randn(size * size, 2)
    a = torch.full((len(x),), 1.0 / len(x))
    loss = ref._samples_loss(blur, 0.9, "tensorized")
    supports = [ref._support(m) for m in measures]
    ours = sum(w * ref._ot_gradient(loss, a, x, *s) for w, s in zip(weights, supports))
    ours = ours - ref._self_gradient(loss, a, x)
    debiased = SamplesLoss("sinkhorn", p=2, blur=blur, scaling=0.9, diameter=ref._DIAMETER)
    x_ = x.clone().requires_grad_(True)
    total = sum(float(w) * debiased(a, x_, *s) for w, s in zip(weights, supports))
    (expected,) = torch.autograd.grad(total, [x_])
    torch.testing.assert_close(ours.float(), expected, rtol=1e-4, atol=1e-4 * expected.abs().max())


@pytest.mark.parametrize("shape", [(16, 16), (16, 8)])
def test_uniform_debiasing_term_splits_into_1d_problems(shape):
    x = ref._grid_points(shape)
    a = torch.full((len(x),), 1.0 / len(x))
    full = ref._self_gradient(ref._samples_loss(0.05, 0.9, "tensorized"), a, x)
    split = ref._uniform_self_gradient(shape, 0.05, 0.9, "tensorized")
    assert full.abs().max() > 1e-3 * a[0]  # not trivially zero at this blur
    torch.testing.assert_close(split, full, rtol=1e-4, atol=1e-4 * full.abs().max())


def _good():
    return random_shape_contours(2, 16, random_state=0)


@pytest.mark.parametrize(
    "measures, weights, match",
    [
        ([np.ones((4, 4)), np.ones((5, 5))], None, "regular array"),
        (_good(), [0.2, 0.3, 0.5], "weights must have shape"),
        (_good() * np.array([1, -1])[:, None, None], None, "non-negative"),
        (np.stack([_good()[0], np.zeros((16, 16))]), None, "positive mass"),
        (np.where(np.arange(16) == 3, np.nan, _good()), None, "NaN"),
        (_good(), [0.2, 0.3], "simplex"),
        (_good(), [1.5, -0.5], "simplex"),
        (_good(), [np.nan, 1.0], "NaN"),
        (_good()[0], None, "shape"),
    ],
)
def test_bad_input_raises_value_error(measures, weights, match):
    with pytest.raises(ValueError, match=match):
        grid_barycenter(measures, weights)


def test_bad_parameters_and_maps_raise_value_error():
    with pytest.raises(ValueError, match="n_steps"):
        grid_barycenter(_good(), n_steps=0)
    with pytest.raises(ValueError, match="maps must have shape"):
        linearised_barycenter(np.zeros((2, 16, 16)))
    with pytest.raises(ValueError, match="simplex"):
        linearised_barycenter(np.zeros((2, 16, 16, 2)), [0.7, 0.7])


def test_estimator_matches_function_and_clones():
    measures = random_shape_contours(4, 16, random_state=1).reshape(2, 2, 16, 16)
    weights = np.array([[0.3, 0.7], [0.5, 0.5]])
    estimator = clone(GeomLossGridBarycenter(n_steps=2, blur=0.02)).fit()
    bary = estimator.predict(measures, weights)
    assert bary.shape == (2, 16, 16)
    np.testing.assert_allclose(
        bary[0], grid_barycenter(measures[0], weights[0], n_steps=2, blur=0.02)
    )
    with pytest.raises(ValueError, match="n_samples, k, H, W"):
        estimator.predict(measures[0])
    with pytest.raises(ValueError, match="scaling"):
        GeomLossGridBarycenter(scaling=1.5).predict(measures)
