"""The Sinkhorn divergence on the fast soft-min equals GeomLoss's, values and gradients."""

import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
import torch
from geomloss import SamplesLoss
from hypothesis import given, settings
from hypothesis import strategies as st

from sklearn_wb.numerics.sinkhorn_samples import sinkhorn_divergence
from sklearn_wb.numerics.underflow_safe_exp import logsumexp, softmax


def _clouds(shape, dtype, seed):
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(*shape, dtype=dtype, generator=generator).requires_grad_()
    y_shape = (*shape[:-2], shape[-2] + 7, shape[-1])
    y = 1.5 * torch.randn(*y_shape, dtype=dtype, generator=generator) + 1.0
    return x, y


def _flat(out):
    return torch.cat([out[0].flatten(), out[1].flatten()]) if isinstance(out, tuple) else out


@pytest.mark.parametrize("shape", [(3, 120, 2), (90, 3)])
@pytest.mark.parametrize("debias", [True, False])
@pytest.mark.parametrize("potentials", [False, True])
def test_matches_geomloss_in_float64(shape, debias, potentials):
    x, y = _clouds(shape, torch.float64, seed=0)
    options = dict(blur=0.05, scaling=0.8, debias=debias, potentials=potentials)
    reference = _flat(SamplesLoss("sinkhorn", p=2, backend="tensorized", **options)(x, y))
    ours = _flat(sinkhorn_divergence(x, y, **options))
    assert ours.shape == reference.shape
    torch.testing.assert_close(ours, reference, rtol=1e-12, atol=1e-12)
    (reference_grad,) = torch.autograd.grad(reference.sum(), x)
    (grad,) = torch.autograd.grad(ours.sum(), x)
    torch.testing.assert_close(grad, reference_grad, rtol=1e-10, atol=1e-12)


def test_matches_geomloss_in_float32_at_a_small_blur():
    """Most soft-min terms underflow at blur 0.01: the case the fast path is for."""
    x, y = _clouds((2, 200, 2), torch.float32, seed=1)
    reference = SamplesLoss("sinkhorn", p=2, blur=0.01, scaling=0.9, backend="tensorized")(x, y)
    ours = sinkhorn_divergence(x, y, blur=0.01, scaling=0.9)
    torch.testing.assert_close(ours, reference, rtol=1e-5, atol=1e-6)
    (reference_grad,) = torch.autograd.grad(reference.sum(), x)
    (grad,) = torch.autograd.grad(ours.sum(), x)
    torch.testing.assert_close(grad, reference_grad, rtol=1e-3, atol=1e-6)


def test_translation_costs_its_squared_length():
    x = torch.randn(400, 2, generator=torch.Generator().manual_seed(2), dtype=torch.float64)
    shifted = x + torch.tensor([2.0, 0.0], dtype=x.dtype)
    value = sinkhorn_divergence(x, shifted, blur=0.02, scaling=0.9)
    assert 2 * float(value) == pytest.approx(4.0, rel=1e-3)


@settings(max_examples=40, deadline=None)
@given(
    scores=hnp.arrays(
        np.float64,
        hnp.array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=6),
        elements=st.floats(-3000, 50),
    ),
    dtype=st.sampled_from([torch.float32, torch.float64]),
)
def test_logsumexp_and_softmax_match_torch(scores, dtype):
    """Arguments far below exp's underflow, as at a small blur, included."""
    scores = torch.as_tensor(scores, dtype=dtype)
    tolerance = dict(rtol=1e-5, atol=1e-6) if dtype == torch.float32 else {}
    expected = torch.logsumexp(scores, dim=1)
    torch.testing.assert_close(logsumexp(scores, dim=1), expected, **tolerance)
    torch.testing.assert_close(softmax(scores, dim=1), torch.softmax(scores, dim=1), **tolerance)


def test_logsumexp_gradient_is_the_softmax():
    scores = torch.tensor([[0.0, -1.0, -200.0], [5.0, 5.0, -1e4]], requires_grad=True)
    (grad,) = torch.autograd.grad(logsumexp(scores, dim=1).sum(), scores)
    torch.testing.assert_close(grad, torch.softmax(scores.detach(), dim=1))


@pytest.mark.parametrize(
    "x_shape, y_shape, message",
    [
        ((5,), (5,), "both"),
        ((5, 2), (1, 5, 2), "both"),
        ((5, 2), (5, 3), "features"),
        ((2, 5, 2), (3, 5, 2), "batch"),
        ((0, 2), (5, 2), "need points"),
    ],
)
def test_rejects_mismatched_clouds(x_shape, y_shape, message):
    with pytest.raises(ValueError, match=message):
        sinkhorn_divergence(torch.ones(x_shape), torch.ones(y_shape), blur=0.1, scaling=0.5)
