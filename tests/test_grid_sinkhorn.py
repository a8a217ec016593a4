"""The debiased Sinkhorn grid barycenter: POT agreement, symmetries, known answers, errors."""

import warnings

import numpy as np
import ot
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from sklearn_wb.numerics import (
    GRID_FAMILIES,
    grid_sinkhorn,
    make_gaussian_blob_problems,
    make_identical_problems,
    make_location_scale_problems,
    make_one_hot_problems,
    make_product_problems,
    sinkhorn_barycenter_2d,
)

seeds = st.integers(0, 2**31 - 1)
# Gaussian blobs at 32^2, default reg and tol, 10 seeds x k in {2, 5}: max 0.0051, mean
# 0.0014 (rasterisation and the residual blur). Twice the worst; the weighted mixture is
# 0.02 to 0.9 away, and the same solver at reg 0.04 (10x more blur) is not this close.
GAUSSIAN_L1 = 0.01
REG_NAN = 1e-3  # measured at 32^2 corners: POT's linear domain is NaN at 1e-3, finite at 2e-3


def _l1(a, b):
    return np.abs(a - b).sum(axis=(-2, -1))


def _corner_blobs(size):
    """Mass that must cross the whole grid: POT's linear-domain solver overflows."""
    measures = np.zeros((2, size, size))
    measures[0, 1:4, 1:4] = measures[1, -4:-1, -4:-1] = 1.0
    return measures


def test_matches_pot_at_equal_reg():
    """Same fixed point as POT. Both approach it slowly and along different paths (POT takes
    10 debiasing steps per iteration, we take 1): measured L1 4.7e-5 after 300 iterations
    here, 1.4e-5 after 1000, 1e-8 after 8000 at 24^2. POT's default stabThr=1e-15 biases
    its answer (L1 0.19 at reg 0.004), hence 1e-300."""
    measures, weights, _ = make_gaussian_blob_problems(1, 2, 16, random_state=0)
    fixed = {"numItermax": 300, "stopThr": 1e-14, "stabThr": 1e-300, "warn": False}
    pot = ot.bregman.convolutional_barycenter2d_debiased(
        measures[0], 0.01, weights=weights[0], **fixed
    )
    ours = sinkhorn_barycenter_2d(measures[0], weights[0], reg=0.01, tol=1e-14, max_iter=300)
    assert _l1(ours, pot / pot.sum()) < 1e-4


@given(seed=seeds, k=st.integers(2, 4))
def test_identical_inputs_and_one_hot_weights_return_the_input_exactly(seed, k):
    """Their debiased barycenter is that input: returned as it is, also within a batch of
    problems that iterate."""
    identical = make_identical_problems(1, k, 16, random_state=seed)
    one_hot = make_one_hot_problems(1, k, 16, random_state=seed)
    stars = make_location_scale_problems(1, k, 16, random_state=seed)
    measures, weights, exact = (np.concatenate(parts) for parts in zip(identical, one_hot, stars))
    bary = sinkhorn_barycenter_2d(measures, weights)
    np.testing.assert_allclose(bary[:2], exact[:2], rtol=0, atol=1e-15)
    np.testing.assert_allclose(bary[2], sinkhorn_barycenter_2d(measures[2], weights[2]))


@pytest.mark.parametrize("seed", range(4))
def test_auto_start_gains_in_the_linear_regime(seed):
    """Near-uniform products (inputs within L1 0.2 of their mixture) stop closer to the
    exact answer from the mixture than from POT's uniform start: here 0.01-0.48x the L1
    (0.00006-0.0051 against 0.0082-0.0111)."""
    near, near_weights, exact = make_product_problems(2, 2, 32, random_state=seed)
    auto = sinkhorn_barycenter_2d(near, near_weights)
    uniform = sinkhorn_barycenter_2d(near, near_weights, init="uniform")
    assert (_l1(auto, exact) < 0.7 * _l1(uniform, exact)).all()


@pytest.mark.parametrize(
    "make_problems", [make_gaussian_blob_problems, make_location_scale_problems]
)
def test_gaussian_potentials_start_closer_than_pots_start(make_problems):
    """Outside the linear regime the default start differs from POT's only in the input
    scalings, at the Gaussian fits' potentials. After 3 iterations at 32^2 it is closer to
    the exact answer on every problem: Gaussian blobs 0.27-0.89x the L1 of POT's start,
    stars 0.64-0.89x (seed 0)."""
    measures, weights, exact = make_problems(4, 3, 32, random_state=0)
    auto = sinkhorn_barycenter_2d(measures, weights, max_iter=3)
    uniform = sinkhorn_barycenter_2d(measures, weights, max_iter=3, init="uniform")
    assert (_l1(auto, exact) < 0.95 * _l1(uniform, exact)).all()


@pytest.mark.parametrize("family", ["contours", "strokes", "thin_lines"])
def test_gaussian_potentials_start_no_further_where_the_maps_are_wrong(family):
    """On sharp shapes the Gaussian fits' maps are not the optimal maps. After 10
    iterations at 32^2 the default start is still closer, on average over 4 problems, to
    the long run (the same reg to tol 1e-5, at most 3000 iterations) than POT's start:
    contours 0.674 against 0.716, strokes 0.854 against 0.883, thin lines 0.741 against
    0.867. (To tol 1e-6, 0.750 / 0.891 / 0.811 against 0.790 / 0.917 / 0.928; per problem
    it was 0.75-1.02x POT's start's distance.)"""
    auto, uniform = [], []
    for seed in range(4):
        rng = np.random.default_rng(seed)
        measures = GRID_FAMILIES[family](3, 32, rng)
        weights = rng.dirichlet(np.ones(3))
        fixed = sinkhorn_barycenter_2d(measures, weights, tol=1e-5, max_iter=3000)
        for start, scores in (("auto", auto), ("uniform", uniform)):
            bary = sinkhorn_barycenter_2d(measures, weights, max_iter=10, init=start)
            scores.append(np.abs(bary - fixed).sum())
    assert np.mean(auto) < np.mean(uniform)


@given(seed=seeds, k=st.integers(2, 4))
def test_histogram_out_invariant_to_permutation(seed, k):
    measures, weights, _ = make_location_scale_problems(1, k, 16, random_state=seed)
    bary = sinkhorn_barycenter_2d(measures[0], weights[0])
    assert bary.shape == (16, 16) and (bary >= 0).all()
    np.testing.assert_allclose(bary.sum(), 1.0, rtol=1e-12)
    perm = np.random.default_rng(seed).permutation(k)
    permuted = sinkhorn_barycenter_2d(measures[0, perm], weights[0, perm])
    np.testing.assert_allclose(permuted, bary, atol=1e-10)


def test_single_measure_is_returned():
    measures, _, _ = make_gaussian_blob_problems(2, 2, 16, random_state=0)
    np.testing.assert_allclose(sinkhorn_barycenter_2d(measures[:, :1]), measures[:, 0], rtol=1e-12)


def test_finite_at_small_reg_where_pot_overflows():
    measures = _corner_blobs(32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        pot = ot.bregman.convolutional_barycenter2d_debiased(
            measures, REG_NAN, numItermax=100, warn=False
        )
    assert np.isnan(pot).any()
    bary = sinkhorn_barycenter_2d(measures, reg=REG_NAN)
    assert np.isfinite(bary).all()
    rows, cols = np.indices(bary.shape)
    centre = [(index * bary).sum() for index in (rows, cols)]
    np.testing.assert_allclose(centre, [15.5, 15.5], atol=1e-6)  # symmetric problem


def test_scaling_domain_equals_log_domain(monkeypatch):
    """Above 2.8e-3 on a square grid one stage runs on the scalings; the same iterates."""
    measures, weights, _ = make_location_scale_problems(3, 3, 32, random_state=2)
    scaling_solve = grid_sinkhorn._scaling_sinkhorn
    answers = []
    monkeypatch.setattr(
        grid_sinkhorn,
        "_scaling_sinkhorn",
        lambda *args, **kwargs: answers.append(scaling_solve(*args, **kwargs)) or answers[-1],
    )
    scaling = sinkhorn_barycenter_2d(measures, weights, reg=0.004)
    assert len(answers) == 1 and answers[0] is not None  # the scaling domain answered
    monkeypatch.setattr(grid_sinkhorn, "_kernel_is_positive", lambda *args: False)
    log_domain = sinkhorn_barycenter_2d(measures, weights, reg=0.004)
    np.testing.assert_allclose(scaling, log_domain, atol=1e-12)


def test_overflowing_scalings_fall_back_to_the_log_domain(monkeypatch):
    measures, weights, _ = make_location_scale_problems(2, 2, 16, random_state=3)
    expected = sinkhorn_barycenter_2d(measures, weights, reg=0.004)
    monkeypatch.setattr(grid_sinkhorn, "_scaling_sinkhorn", lambda *args, **kwargs: None)
    np.testing.assert_allclose(
        sinkhorn_barycenter_2d(measures, weights, reg=0.004), expected, atol=1e-12
    )


@pytest.mark.parametrize("seed", range(3))
def test_a_start_at_the_fixed_point_stays_near_it(seed):
    """From init at the fixed point (the solver run to convergence), 20 iterations stay near
    it, where POT's uniform start does not get there: L1 0.0062 / 0.0014 / 0.0009 against
    0.025 / 0.049 / 0.037 at seeds 0-2 (the scalings u, v start at 1, not at the fixed
    point's, so the start moves a little). The guess's scale does not matter; its zeros
    stay zero."""
    measures, weights, _ = make_location_scale_problems(1, 2, 16, random_state=seed)
    fixed_point = sinkhorn_barycenter_2d(measures[0], weights[0], tol=1e-13, max_iter=20000)
    fixed = {"tol": 1e-12, "max_iter": 20}
    cold = sinkhorn_barycenter_2d(measures[0], weights[0], init="uniform", **fixed)
    guess = np.where(fixed_point > 1e-4, fixed_point, 0.0)
    warm = sinkhorn_barycenter_2d(measures[0], weights[0], init=guess * 7.0, **fixed)
    assert _l1(warm, fixed_point) < 0.3 * _l1(cold, fixed_point)
    assert (warm[guess == 0] == 0).all()


def test_init_is_the_same_in_both_domains(monkeypatch):
    measures, weights, _ = make_location_scale_problems(2, 3, 16, random_state=4)
    init = sinkhorn_barycenter_2d(measures, weights, max_iter=5)
    fixed = {"reg": 0.004, "max_iter": 15, "init": init}
    scaling = sinkhorn_barycenter_2d(measures, weights, **fixed)
    monkeypatch.setattr(grid_sinkhorn, "_kernel_is_positive", lambda *args: False)
    np.testing.assert_allclose(
        sinkhorn_barycenter_2d(measures, weights, **fixed), scaling, atol=1e-12
    )
    assert _l1(scaling, sinkhorn_barycenter_2d(measures, weights, max_iter=15)).min() > 1e-6


def test_debiased_iterations_pass_gradients_to_the_guess():
    """What training through the solver needs: the public solver's iterates, and finite
    gradients with respect to the guess; below the scaling domain's reg, a clear error."""
    measures, weights, exact = make_location_scale_problems(2, 3, 16, random_state=0)
    measures, weights = torch.as_tensor(measures), torch.as_tensor(weights)
    logits = torch.zeros(2, 16 * 16, dtype=torch.float64, requires_grad=True)
    guess = torch.softmax(logits, dim=1).reshape(2, 16, 16)
    bary = grid_sinkhorn.debiased_iterations(measures, weights, guess, reg=0.004, n_iterations=5)
    expected = sinkhorn_barycenter_2d(measures, weights, init=guess.detach(), max_iter=5)
    np.testing.assert_allclose(bary.detach(), expected, atol=1e-12)
    (bary - torch.as_tensor(exact)).abs().sum().backward()
    assert torch.isfinite(logits.grad).all() and logits.grad.abs().sum() > 0
    with pytest.raises(ValueError, match=r"reg > 0.00282"):
        grid_sinkhorn.debiased_iterations(measures, weights, guess, reg=0.002, n_iterations=5)


@pytest.mark.parametrize("seed", [1, 4])
def test_gradients_stay_finite_where_scalings_underflow(seed):
    """A thin line weighted 0.995 with a stroke from a random guess: cells without mass
    gave NaN gradients (0 * inf) at these seeds before the iterations dropped them."""
    rng = np.random.default_rng(seed)
    measures = np.stack([GRID_FAMILIES[name](1, 32, rng)[0] for name in ("thin_lines", "strokes")])
    measures = torch.as_tensor(measures[None])
    weights = torch.tensor([[0.995, 0.005]], dtype=torch.float64)
    logits = torch.as_tensor(rng.normal(size=(1, 32 * 32)) * 3).requires_grad_()
    guess = torch.softmax(logits, dim=1).reshape(1, 32, 32)
    bary = grid_sinkhorn.debiased_iterations(measures, weights, guess, reg=0.004, n_iterations=10)
    (bary - measures[:, 0]).abs().sum().backward()
    assert torch.isfinite(logits.grad).all()


def test_batch_equals_one_by_one():
    measures, weights, _ = make_location_scale_problems(4, 3, 16, random_state=1)
    batch = measures.reshape(2, 2, 3, 16, 16), weights.reshape(2, 2, 3)
    fixed = {"tol": 1e-12, "max_iter": 30}  # same iteration count in both
    batched = sinkhorn_barycenter_2d(*batch, **fixed)
    assert batched.shape == (2, 2, 16, 16)
    one_by_one = [sinkhorn_barycenter_2d(m, w, **fixed) for m, w in zip(measures, weights)]
    np.testing.assert_allclose(batched.reshape(4, 16, 16), one_by_one, atol=1e-12)


def test_non_square_grid_is_transpose_equivariant():
    measures, weights, exact = make_gaussian_blob_problems(1, 2, (16, 24), random_state=2)
    bary = sinkhorn_barycenter_2d(measures[0], weights[0])
    assert bary.shape == (16, 24)
    transposed = sinkhorn_barycenter_2d(measures[0].transpose(0, 2, 1), weights[0])
    np.testing.assert_allclose(transposed.T, bary, atol=1e-10)
    assert _l1(bary, exact[0]) < GAUSSIAN_L1


@given(seed=seeds, k=st.integers(2, 5))
def test_gaussian_blobs_close_to_the_exact_barycenter(seed, k):
    measures, weights, exact = make_gaussian_blob_problems(1, k, 32, random_state=seed)
    bary = sinkhorn_barycenter_2d(measures[0], weights[0])
    assert _l1(bary, exact[0]) < GAUSSIAN_L1


@pytest.mark.parametrize(
    ("measures", "weights", "kwargs", "message"),
    [
        (-np.ones((2, 8, 8)), None, {}, "non-negative"),
        (np.full((2, 8, 8), np.nan), None, {}, "NaN"),
        (np.zeros((2, 8, 8)), None, {}, "positive mass"),
        (np.ones((8, 8)), None, {}, "shape"),
        (np.ones((2, 8, 8)), [0.7, 0.7], {}, "simplex"),
        (np.ones((2, 8, 8)), [1.0], {}, "weights must have shape"),
        (np.ones((2, 8, 8)), None, {"reg": 0.0}, "reg"),
        (np.ones((2, 8, 8)), None, {"max_iter": 0}, "max_iter"),
        (np.ones((2, 8, 8)), None, {"init": np.ones((8, 4))}, "init must have"),
        (np.ones((2, 8, 8)), None, {"init": -np.ones((8, 8))}, "init must be non-negative"),
        (np.ones((2, 8, 8)), None, {"init": np.zeros((8, 8))}, "every image of init"),
        (np.ones((2, 8, 8)), None, {"init": np.full((8, 8), np.nan)}, "init must not"),
        (np.ones((2, 8, 8)), None, {"init": "mixture"}, "init"),
        (np.ones((2, 8, 8)), None, {"n_stages": 3}, "n_stages=3 anneals from reg_start"),
        (np.ones((2, 8, 8)), None, {"reg_start": 0.01}, "needs n_stages >= 2"),
        (np.ones((2, 8, 8)), None, {"reg_start": 0.001, "n_stages": 2}, "must exceed reg"),
        (np.ones((2, 8, 8)), None, {"device": "gpu"}, "device must be 'auto'"),
    ],
)
def test_bad_input_raises(measures, weights, kwargs, message):
    with pytest.raises(ValueError, match=message):
        sinkhorn_barycenter_2d(measures, weights, **kwargs)


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_a_device_this_machine_lacks_is_named():
    with pytest.raises(ValueError, match="device='cuda' is not available on this machine"):
        sinkhorn_barycenter_2d(np.ones((2, 8, 8)), device="cuda")


def test_annealing_ends_at_the_final_reg():
    """From reg 0.02 to 0.002 in 3 stages: at the direct solve's answer (32^2 stars, L1
    0.007 apart; 0.002-0.005 on seeds 1 and 2), where reg 0.02 alone is 0.43 from the
    exact one (0.45-0.53)."""
    measures, weights, exact = make_location_scale_problems(1, 3, 32, random_state=0)
    settings = {"reg": 0.002, "tol": 1e-5, "max_iter": 5000}
    direct = sinkhorn_barycenter_2d(measures[0], weights[0], **settings)
    annealed = sinkhorn_barycenter_2d(
        measures[0], weights[0], reg_start=0.02, n_stages=3, **settings
    )
    first_stage = sinkhorn_barycenter_2d(measures[0], weights[0], reg=0.02)
    assert _l1(annealed, direct) < 0.02 < 0.3 < _l1(first_stage, exact[0])


def _iterates(moves):
    """(1, 2, 1) unit-mass iterates that move by L1 ``moves[i]`` at iteration i + 1."""
    position, out = 0.5, []
    for move in moves:
        position += move / 2
        out.append(torch.tensor([[[position, 1 - position]]]))
    return out


def _stop_iteration(moves, tol, check_every):
    stop = grid_sinkhorn._StoppingRule(tol, check_every)
    for iteration, bar in enumerate(_iterates(moves), start=1):
        if stop(iteration, lambda bar=bar: bar):
            return iteration
    return None


def test_stopping_rule_reads_the_last_iterations_move():
    # a jump away from the start, then settled: stops at the first check, 10
    assert _stop_iteration([0.4] + [1e-4] * 19, tol=1e-3, check_every=10) == 10
    # settled but for a last move of 2e-3 at the first check: stops at the second
    assert _stop_iteration([1e-4] * 9 + [2e-3] + [1e-4] * 10, tol=1e-3, check_every=10) == 20
    # checked every iteration: the first one with a move below tol after a previous iterate
    assert _stop_iteration([0.4, 0.1, 1e-4, 1e-4], tol=1e-3, check_every=1) == 3
    assert _stop_iteration([0.4] * 20, tol=1e-3, check_every=10) is None
