"""GridBarycenterPredictor and its multi-input U-Net, on tiny nets and grids."""

import copy
import warnings

import joblib
import numpy as np
import pytest
import sklearn
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.utils import estimator_checks
from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_wb import GridBarycenterPredictor, load
from sklearn_wb.deep.grid_loss import GridKLL1Loss, GridKLLoss
from sklearn_wb.deep.unet import MultiInputUNet
from sklearn_wb.numerics import sinkhorn_barycenter_2d
from sklearn_wb.numerics.grid_resample import sum_pool, upsample

TINY = {"width": 2, "depth": 3, "batch_size": 8, "random_state": 0}
seeds = st.integers(0, 2**16)


def blobs(seed, n_samples=4, k=2, size=16):
    """Gaussian blobs with random centres and widths, and Dirichlet weights."""
    rng = np.random.default_rng(seed)
    grid = np.arange(size) + 0.5
    centres = rng.uniform(2, size - 2, (n_samples, k, 2, 1))
    widths = rng.uniform(1, 3, (n_samples, k, 1))
    rows = np.exp(-(((grid - centres[:, :, 0]) / widths) ** 2) / 2)
    cols = np.exp(-(((grid - centres[:, :, 1]) / widths) ** 2) / 2)
    return rows[..., :, None] * cols[..., None, :], rng.dirichlet(np.ones(k), n_samples)


def mixtures(measures, weights):
    normalised = measures / measures.sum(axis=(2, 3), keepdims=True)
    return np.einsum("nk,nkhw->nhw", weights, normalised)


def network_then_solver(model, measures, weights):
    """What predict returns away from its exact rules: the solver from the network's answer."""
    unit = measures / measures.sum(axis=(2, 3), keepdims=True)
    guesses = model._predict_network(unit, weights)
    settings = {"reg": model.solver_reg, "max_iter": model.solver_iterations, "tol": 1e-12}
    return sinkhorn_barycenter_2d(unit, weights, init=guesses, **settings)


@pytest.fixture(scope="module")
def fitted():
    measures, weights = blobs(0, n_samples=16)
    model = GridBarycenterPredictor(**TINY, max_epochs=2)
    return model.fit(measures, mixtures(measures, weights), weights=weights)


@settings(max_examples=5, deadline=None)
@given(seed=seeds, k=st.integers(2, 5), size=st.sampled_from([8, 16, 32]))
def test_predictions_are_probability_grids(fitted, seed, k, size):
    measures, weights = blobs(seed, n_samples=3, k=k, size=size)
    barycenters = fitted.predict(measures, weights)
    assert barycenters.shape == (3, size, size)
    assert (barycenters >= 0).all()
    np.testing.assert_allclose(barycenters.sum(axis=(1, 2)), 1.0, atol=1e-10)


def test_larger_grids_are_predicted_at_the_training_resolution(fitted, tmp_path):
    measures, weights = blobs(1, n_samples=2, k=3, size=32)
    measures /= measures.sum(axis=(2, 3), keepdims=True)
    assert fitted.grid_shape_ == (16, 16)
    network = fitted._predict_network
    coarse = network(sum_pool(measures, (2, 2)), weights)
    np.testing.assert_allclose(network(measures, weights), upsample(coarse, (2, 2)))
    fitted.save(tmp_path / "model.safetensors")
    loaded = load(tmp_path / "model.safetensors")
    assert tuple(loaded.grid_shape_) == (16, 16)
    np.testing.assert_allclose(loaded.predict(measures, weights), fitted.predict(measures, weights))
    # A taller grid is pooled along its rows only; a smaller one upsampled, then pooled back.
    tall = measures[:, :, :, :16] / measures[:, :, :, :16].sum(axis=(2, 3), keepdims=True)
    np.testing.assert_allclose(
        network(tall, weights), upsample(network(sum_pool(tall, (2, 1)), weights), (2, 1))
    )
    small, _ = blobs(1, n_samples=2, k=3, size=8)
    small /= small.sum(axis=(2, 3), keepdims=True)  # as predict rescales them
    fine = fitted._run_network(upsample(small, (2, 2)), weights)
    np.testing.assert_allclose(network(small, weights), sum_pool(fine, (2, 2)))
    # the solver then runs at the input's resolution
    np.testing.assert_allclose(
        fitted.predict(measures, weights), network_then_solver(fitted, measures, weights)
    )


@settings(max_examples=5, deadline=None)
@given(seed=seeds, k=st.integers(2, 4), scale=st.floats(1e-3, 1e3))
def test_one_image_of_nonzero_weight_is_its_own_barycenter(fitted, seed, k, scale):
    """One-hot weights, or every weighted input the same image (at any scale): the exact
    answer is that image; other examples in the batch keep the network's prediction."""
    measures, weights = blobs(seed, n_samples=3, k=k)
    weights[0] = np.eye(k)[seed % k]
    measures[1] = measures[1, 0] * scale
    weights[2, 1] = 0.0
    weights[2] /= weights[2].sum()
    measures[2, 2:] = measures[2, 0]  # weight 0 on input 1: inputs 0, 2, ... are the same
    barycenters = fitted.predict(measures, weights)
    expected = measures[[0, 1, 2], [seed % k, 0, 0]]
    expected = expected / expected.sum(axis=(1, 2), keepdims=True)
    np.testing.assert_allclose(barycenters, expected, atol=1e-15)
    distinct, _ = blobs(seed + 1, n_samples=1, k=k)
    distinct /= distinct.sum(axis=(2, 3), keepdims=True)
    uniform = np.full((1, k), 1 / k)
    # mixture_tol 0: blobs can overlap to within 0.2 of their mixture (seed 46074: 0.128)
    network_only = copy.deepcopy(fitted).set_params(mixture_tol=0.0)
    np.testing.assert_allclose(
        network_only.predict(distinct, uniform), network_then_solver(fitted, distinct, uniform)
    )


@settings(max_examples=5, deadline=None)
@given(seed=seeds, k=st.integers(2, 4))
def test_inputs_close_to_their_mixture_get_the_mixture(fitted, seed, k):
    """Inputs within mixture_tol (L1) of their weighted mixture get that mixture, the
    first-order answer; further apart, the network's; near-uniform ones by default."""
    rng = np.random.default_rng(seed)
    measures = 1 + 0.05 * rng.uniform(-1, 1, (1, k, 16, 16))  # L1 spread below 0.1
    weights = rng.dirichlet(np.ones(k), 1)
    mixture = mixtures(measures, weights)
    np.testing.assert_allclose(fitted.predict(measures, weights), mixture, atol=1e-15)
    unit = measures / measures.sum(axis=(2, 3), keepdims=True)
    spread = np.abs(unit - mixture[:, None]).sum(axis=(2, 3)).max()
    model = copy.deepcopy(fitted)
    for tol, expected in [
        (spread * 1.01, mixture),
        (spread * 0.99, network_then_solver(fitted, unit, weights)),
        (0.0, network_then_solver(fitted, unit, weights)),
    ]:
        model.set_params(mixture_tol=tol)
        np.testing.assert_allclose(model.predict(measures, weights), expected, atol=1e-15)


@settings(max_examples=5, deadline=None)
@given(seed=seeds, k=st.integers(2, 5))
def test_permuting_inputs_with_weights_changes_nothing(fitted, seed, k):
    measures, weights = blobs(seed, n_samples=2, k=k)
    order = np.random.default_rng(seed).permutation(k)
    np.testing.assert_allclose(
        fitted.predict(measures[:, order], weights[:, order]),
        fitted.predict(measures, weights),
        rtol=1e-4,
        atol=1e-9,
    )


def test_uniform_weights_by_default(fitted):
    measures, _ = blobs(1, n_samples=2, k=3)
    np.testing.assert_array_equal(
        fitted.predict(measures), fitted.predict(measures, np.full((2, 3), 1 / 3))
    )


def test_tiny_training_decreases_the_loss():
    measures, weights = blobs(2, n_samples=32)
    model = GridBarycenterPredictor(**TINY, max_epochs=4, validation_fraction=0)
    model.fit(measures, mixtures(measures, weights), weights=weights)
    losses = model.history_[:, "train_loss"]
    assert losses[-1] < losses[0]


def test_a_warm_start_on_another_grid_size_warns_that_the_resolution_moves():
    model = GridBarycenterPredictor(**TINY, max_epochs=1, warm_start=True)
    for size in (16, 16):  # the same size: no warning
        measures, weights = blobs(3, n_samples=16, size=size)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            model.fit(measures, mixtures(measures, weights), weights=weights)
    measures, weights = blobs(3, n_samples=16, size=32)
    with pytest.warns(UserWarning, match=r"from \(16, 16\) to \(32, 32\)"):
        model.fit(measures, mixtures(measures, weights), weights=weights)
    assert model.grid_shape_ == (32, 32)


def test_warm_start_continues_training():
    measures, weights = blobs(3, n_samples=48)
    targets = mixtures(measures, weights)
    model = GridBarycenterPredictor(**TINY, max_epochs=1, warm_start=True)
    model.fit(measures, targets, weights=weights)
    model.fit(measures, targets, weights=weights)
    assert len(model.history_) == 2
    # Training parameters changed between fits apply to the continued training.
    model.set_params(max_epochs=2, lr=1e-4).fit(measures, targets, weights=weights)
    assert len(model.history_) == 4
    # A new SGDR schedule, batch by batch as in a first fit (skorch alone would resume it
    # at the number of epochs run, counted in batches).
    fresh = GridBarycenterPredictor(**TINY, max_epochs=2, lr=1e-4)
    fresh.fit(measures, targets, weights=weights)
    assert (
        model.history_[-2:, "batches", :, "event_lr"] == fresh.history_[:, "batches", :, "event_lr"]
    )


def test_a_loaded_model_trains_on_with_its_validation_split(tmp_path):
    measures, weights = blobs(3, n_samples=16)
    targets = mixtures(measures, weights)
    model = GridBarycenterPredictor(**TINY, max_epochs=1).fit(measures, targets, weights=weights)
    model.save(tmp_path / "model.safetensors")
    loaded = load(tmp_path / "model.safetensors").set_params(warm_start=True)
    loaded.fit(measures, targets, weights=weights)
    assert len(loaded.history_) == 2
    assert loaded.net_.train_split.random_state == model.net_.train_split.random_state


def test_random_state_makes_fit_reproducible():
    measures, weights = blobs(4, n_samples=16)
    targets = mixtures(measures, weights)
    first, second = (
        GridBarycenterPredictor(**TINY, max_epochs=1).fit(measures, targets, weights=weights)
        for _ in range(2)
    )
    np.testing.assert_array_equal(first.predict(measures), second.predict(measures))


def test_joblib_round_trip_predicts_identically(fitted, tmp_path):
    measures, weights = blobs(5, n_samples=3, k=3)
    joblib.dump(fitted, tmp_path / "model.joblib")
    loaded = joblib.load(tmp_path / "model.joblib")
    np.testing.assert_array_equal(
        loaded.predict(measures, weights), fitted.predict(measures, weights)
    )


def test_solver_iterations_refine_the_network_answer(fitted):
    """0 iterations give the network's answer; more run the solver from it. (Its exact
    zeros far from the inputs keep score finite: the shipped model's test below.)"""
    measures, weights = blobs(3, n_samples=2, k=3, size=16)
    unit = measures / measures.sum(axis=(2, 3), keepdims=True)
    model = copy.deepcopy(fitted).set_params(solver_iterations=0)
    np.testing.assert_allclose(
        model.predict(measures, weights), fitted._predict_network(unit, weights)
    )
    model.set_params(solver_iterations=3, solver_reg=0.01)
    refined = model.predict(measures, weights)
    np.testing.assert_allclose(refined, network_then_solver(model, measures, weights))
    assert np.abs(refined - fitted._predict_network(unit, weights)).sum() > 1e-3
    # every one of solver_iterations runs (fit trains through all of them): no early stop
    model.set_params(solver_iterations=30)
    np.testing.assert_allclose(
        model.predict(measures, weights), network_then_solver(model, measures, weights)
    )
    assert np.isfinite(model.score(measures, mixtures(measures, weights), weights))
    with pytest.raises(ValueError, match="solver_iterations"):
        model.set_params(solver_iterations=-1).predict(measures, weights)


def test_training_scores_the_refined_answer():
    """With solver_iterations the training loss is that of predict's answer (the network's,
    then the solver's iterations from it), so the network learns a warm start."""
    measures, weights = blobs(5, n_samples=6, k=3)
    targets = mixtures(measures, weights)
    params = {"solver_iterations": 3, "solver_reg": 0.01, "mixture_tol": 0.0}
    model = GridBarycenterPredictor(**TINY, **params, max_epochs=1, validation_fraction=0)
    model.fit(measures, targets, weights=weights)
    unit = measures / measures.sum(axis=(2, 3), keepdims=True)
    batch = {"measures": torch.as_tensor(unit, dtype=torch.float32)}
    batch["weights"] = torch.as_tensor(weights, dtype=torch.float32)
    with torch.no_grad():
        loss = model.net_.get_loss(model.net_.infer(batch), torch.as_tensor(targets), X=batch)
    predicted = torch.as_tensor(model.predict(measures, weights)).clamp_min(1e-300)
    expected = GridKLL1Loss()(predicted.log(), torch.as_tensor(targets))
    np.testing.assert_allclose(float(loss), float(expected), rtol=1e-5)
    network_loss = GridKLL1Loss()(model.net_.infer(batch).detach(), torch.as_tensor(targets))
    assert abs(float(network_loss) - float(loss)) > 1e-3  # the iterations were scored
    with pytest.raises(ValueError, match="solver_reg > 0.00282"):
        clone(model).set_params(solver_reg=0.002).fit(measures, targets, weights=weights)


def test_shipped_model_loads_and_predicts_offline():
    model = GridBarycenterPredictor.pretrained()
    measures, weights = blobs(6, n_samples=2, k=3, size=64)
    barycenters = model.predict(measures, weights)
    np.testing.assert_allclose(barycenters.sum(axis=(1, 2)), 1.0, atol=1e-10)
    # Better than a uniform guess on a simple problem: mass stays near the inputs.
    kl_uniform = -model.score(measures, np.full((2, 64, 64), 1.0), weights)
    assert -model.score(measures, mixtures(measures, weights), weights) < kl_uniform
    with pytest.raises(ValueError, match=r"size=3; shipped sizes: \[64\]"):
        GridBarycenterPredictor.pretrained(size=3)


def test_clone_and_params():
    model = GridBarycenterPredictor(width=3, depth=2, random_state=1)
    params = model.get_params()
    assert params["width"] == 3 and params["device"] == "auto"
    copy = clone(model).set_params(width=5)
    assert copy.width == 5 and model.width == 3
    assert not hasattr(clone(model), "net_")


def test_invalid_parameters_are_rejected():
    measures, weights = blobs(7)
    with pytest.raises(ValueError, match="width"):
        GridBarycenterPredictor(width=0).fit(measures, mixtures(measures, weights), weights=weights)


@pytest.mark.parametrize(
    ("mutate", "match"),
    [
        (lambda X, w: (X[:, :1], np.ones((len(X), 1))), "k >= 2"),
        (lambda X, w: (X[..., :12, :12], w), "powers of 2"),
        (lambda X, w: (-X, w), "negative"),
        (lambda X, w: (X * np.array([1.0, 0.0])[:, None, None], w), "positive mass"),
        (lambda X, w: (np.where(X > X.max() / 2, np.nan, X), w), "NaN"),
        (lambda X, w: (X, w * 2), "simplex"),
        (lambda X, w: (X, w[:, :1]), "weights must have shape"),
        (lambda X, w: (X[0], w[0]), "n_samples, k, H, W"),
    ],
)
def test_bad_inputs_raise_value_error(fitted, mutate, match):
    measures, weights = mutate(*blobs(8))
    with pytest.raises(ValueError, match=match):
        fitted.predict(measures, weights)


def test_fit_rejects_mismatched_targets():
    measures, weights = blobs(9)
    with pytest.raises(ValueError, match="one barycenter per example"):
        GridBarycenterPredictor(**TINY).fit(measures, np.ones((4, 8, 8)), weights=weights)


@settings(max_examples=5, deadline=None)
@given(seed=seeds)
def test_kl_loss_is_zero_at_the_target_and_positive_elsewhere(seed):
    torch.manual_seed(seed)
    target = torch.softmax(torch.randn(2, 8, 8).flatten(1), 1).reshape(2, 8, 8)
    other = torch.log_softmax(torch.randn(2, 64), 1).reshape(2, 8, 8)
    loss = GridKLLoss()
    assert abs(loss(target.log(), target).item()) < 1e-6
    assert loss(other, target).item() > 0


@settings(max_examples=5, deadline=None)
@given(seed=seeds)
def test_kl_l1_loss_adds_the_l1_distance_to_the_kl(seed):
    torch.manual_seed(seed)
    target = torch.softmax(torch.randn(2, 64), 1).reshape(2, 8, 8)
    other = torch.log_softmax(torch.randn(2, 64), 1).reshape(2, 8, 8)
    l1 = (other.exp() - target).abs().sum(dim=(1, 2)).mean()
    loss = GridKLL1Loss()(other, target)
    torch.testing.assert_close(loss, GridKLLoss()(other, target) + l1)
    assert abs(GridKLL1Loss()(target.log(), target).item()) < 1e-6


def test_a_warm_start_trains_on_the_current_loss():
    measures, weights = blobs(3, n_samples=8)
    targets = mixtures(measures, weights)
    model = GridBarycenterPredictor(**TINY, max_epochs=1, loss="kl")
    model.fit(measures, targets, weights=weights)
    assert type(model.net_.criterion_) is GridKLLoss
    model.set_params(loss="kl+l1", warm_start=True).fit(measures, targets, weights=weights)
    assert type(model.net_.criterion_) is GridKLL1Loss
    with pytest.raises(ValueError, match="loss"):
        GridBarycenterPredictor(**TINY, loss="l2").fit(measures, targets, weights=weights)


def test_a_loaded_model_trains_on_as_verbose_as_asked(fitted, tmp_path, capsys):
    measures, weights = blobs(4, n_samples=8)
    fitted.save(tmp_path / "model.safetensors")
    model = load(tmp_path / "model.safetensors").set_params(warm_start=True, verbose=1)
    capsys.readouterr()
    model.fit(measures, mixtures(measures, weights), weights=weights)
    captured = capsys.readouterr()
    assert "train_loss" in captured.out and "it/s" in captured.err
    model.set_params(verbose=0).fit(measures, mixtures(measures, weights), weights=weights)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def test_unet_weights_mix_the_contractive_paths():
    torch.manual_seed(0)
    net = MultiInputUNet(width=2, depth=3).eval()
    measures = torch.rand(1, 2, 16, 16)
    one_hot = net(measures, torch.tensor([[1.0, 0.0]]))
    # With weight 1 on the first input the second input is ignored entirely.
    replaced = torch.cat([measures[:, :1], torch.rand(1, 1, 16, 16)], dim=1)
    torch.testing.assert_close(net(replaced, torch.tensor([[1.0, 0.0]])), one_hot)


# The tags declare image-stack input (two_d_array=False), so scikit-learn runs only its
# clone check here and skips the checks that feed 2-D tables (a SkipTestWarning says so).
@parametrize_with_checks([GridBarycenterPredictor(**TINY, max_epochs=1)])
def test_sklearn_compatible(estimator, check):
    check(estimator)


# scikit-learn's API checks that need no training data still apply to image input.
DATA_FREE_CHECKS = [
    estimator_checks.check_estimator_tags_renamed,
    estimator_checks.check_valid_tag_types,
    estimator_checks.check_estimator_repr,
    estimator_checks.check_no_attributes_set_in_init,
    estimator_checks.check_estimators_unfitted,
    estimator_checks.check_do_not_raise_errors_in_init_or_set_params,
    estimator_checks.check_mixin_order,
    estimator_checks.check_parameters_default_constructible,
    estimator_checks.check_get_params_invariance,
    estimator_checks.check_set_params,
]


@pytest.mark.parametrize("check", DATA_FREE_CHECKS, ids=lambda check: check.__name__)
def test_data_free_sklearn_checks(check):
    check("GridBarycenterPredictor", GridBarycenterPredictor(**TINY, max_epochs=1))


def test_fit_returns_self_and_keeps_params():
    # Image version of check_estimators_fit_returns_self / check_dont_overwrite_parameters.
    measures, weights = blobs(10, n_samples=8)
    model = GridBarycenterPredictor(**TINY, max_epochs=1)
    params = model.get_params()
    assert model.fit(measures, mixtures(measures, weights), weights=weights) is model
    assert model.get_params() == params


def test_predict_is_row_wise_and_accepts_read_only_input(fitted):
    # Image version of check_methods_subset_invariance, check_methods_sample_order_invariance
    # and check_readonly_memmap_input: batches and row order change nothing.
    measures, weights = blobs(11, n_samples=5)
    measures.flags.writeable = weights.flags.writeable = False
    whole = fitted.predict(measures, weights)
    one_by_one = np.concatenate(
        [fitted.predict(measures[i : i + 1], weights[i : i + 1]) for i in range(5)]
    )
    order = np.random.default_rng(11).permutation(5)
    np.testing.assert_allclose(one_by_one, whole, rtol=1e-5, atol=1e-12)
    np.testing.assert_allclose(
        fitted.predict(measures[order], weights[order]), whole[order], rtol=1e-5, atol=1e-12
    )


def test_grid_search_routes_weights_to_fit_and_score():
    measures, weights = blobs(12, n_samples=16)
    targets = mixtures(measures, weights)
    model = GridBarycenterPredictor(**TINY, max_epochs=1, validation_fraction=0)
    folds = list(KFold(2).split(measures))
    with sklearn.config_context(enable_metadata_routing=True):
        model.set_fit_request(weights=True).set_score_request(weights=True)
        search = GridSearchCV(model, {"max_epochs": [1]}, cv=folds, refit=False)
        search.fit(measures, targets, weights=weights)
    for i, (train, test) in enumerate(folds):
        fold_model = clone(model).fit(measures[train], targets[train], weights=weights[train])
        expected = fold_model.score(measures[test], targets[test], weights=weights[test])
        assert search.cv_results_[f"split{i}_test_score"][0] == pytest.approx(expected)
        # The check is sensitive: uniform weights at scoring give another score.
        assert fold_model.score(measures[test], targets[test]) != pytest.approx(expected)
