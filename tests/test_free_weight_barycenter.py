"""FreeWeightBarycenter (NWB-II): scikit-learn conformance, properties with known answers,
bad input, persistence. Networks are tiny and trainings short: the Gaussian start is exact
for every weight vector, so these properties check that training and the weight handling
keep it so, not that training reaches it."""

import copy

import joblib
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_wb import FreeWeightBarycenter, load
from sklearn_wb.deep.picnn import BatchedPICNNPotential
from sklearn_wb.numerics import (
    bw2_uvp,
    gaussian_barycenter,
    make_gaussian_mixtures,
    random_gaussians,
    sample_gaussians,
)

seeds = st.integers(0, 2**31 - 1)
simplex_weights = st.lists(st.floats(0.0, 1.0), min_size=3, max_size=3).filter(
    lambda w: sum(w) > 0.1
)

TINY = dict(
    potential_hidden_sizes=(4,),
    generator_hidden_sizes=(4,),
    n_epochs=2,
    iterations_per_epoch=3,
    batch_size=16,
    n_inner_g=2,
    n_inner_f=2,
)
# Short but real training (see test_neural_barycenter.SMALL).
SMALL = dict(
    potential_hidden_sizes=(8,),
    generator_hidden_sizes=(8,),
    n_epochs=1,
    iterations_per_epoch=10,
    batch_size=200,
    n_inner_g=3,
    n_inner_f=2,
    lr=1e-3,
)
# Properties that train a model per example draw few examples, the same ones every run.
few_examples = settings(max_examples=3, derandomize=True, database=None)

NO_PREDICT = "learns a distribution to sample from: no predict, so no labels to check"
EXPECTED_FAILED_CHECKS = {
    "check_classifier_data_not_an_array": NO_PREDICT,
    "check_classifiers_classes": NO_PREDICT,
    "check_classifiers_train": NO_PREDICT,
    "check_supervised_y_2d": NO_PREDICT,
}


@parametrize_with_checks(
    [FreeWeightBarycenter(**TINY, random_state=0)],
    expected_failed_checks=lambda estimator: EXPECTED_FAILED_CHECKS,
    xfail_strict=True,
)
def test_sklearn_compatible(estimator, check):
    check(estimator)


def _gaussian_data(seed, n_measures=3, dim=2, n=2000):
    means, covs = random_gaussians(n_measures, dim, random_state=seed)
    X, y = sample_gaussians(means, covs, n, random_state=seed)
    return means, covs, X, y


def _fit(X, y, seed, **params):
    return FreeWeightBarycenter(**{**SMALL, **params}, random_state=seed).fit(X, y)


def _on_simplex(raw):
    return np.asarray(raw) / np.sum(raw)


@pytest.fixture(scope="module")
def trained():
    """Fitted on three Gaussians, shared by the properties that only sample or map."""
    means, covs, X, y = _gaussian_data(0)
    return _fit(X, y, 0), means, covs, X, y


# ---------------------------------------------------------------- the PICNN


@given(
    seed=seeds,
    dim=st.integers(1, 4),
    hidden_sizes=st.lists(st.integers(1, 8), min_size=1, max_size=3),
    spread=st.floats(0.1, 3.0),
    scale=st.floats(0.1, 20.0),
    raw_weights=simplex_weights,
)
def test_picnn_is_convex_in_x_for_every_weight_vector(
    seed, dim, hidden_sizes, spread, scale, raw_weights
):
    torch.manual_seed(seed)
    potential = BatchedPICNNPotential(3, dim, 3, tuple(hidden_sizes)).double()
    with torch.no_grad():
        for parameter in potential.parameters():
            parameter.normal_(0.0, spread)  # including negative z-path weights
    potential.clip_negative_weights_()
    weights = torch.as_tensor(_on_simplex(raw_weights))
    generator = torch.Generator().manual_seed(seed)
    a = scale * torch.randn(3, 256, dim, generator=generator, dtype=torch.float64)
    b = scale * torch.randn(3, 256, dim, generator=generator, dtype=torch.float64)
    with torch.no_grad():
        middle = potential(0.5 * (a + b), weights)
        gaps = 0.5 * (potential(a, weights) + potential(b, weights)) - middle
    assert gaps.min() >= -1e-9 * (1 + gaps.abs().max())


def test_picnn_depends_on_the_weights():
    torch.manual_seed(0)
    potential = BatchedPICNNPotential(2, 2, 2, (4,))
    with torch.no_grad():
        for parameter in potential.parameters():
            parameter.normal_()
    x = torch.randn(2, 5, 2)
    assert not torch.allclose(
        potential(x, torch.tensor([1.0, 0.0])), potential(x, torch.tensor([0.3, 0.7]))
    )


# ---------------------------------------------------------------- properties


@given(raw_weights=simplex_weights, seed=st.integers(0, 1000))
def test_barycenter_at_any_weights_is_the_exact_one(trained, raw_weights, seed):
    model, means, covs, _, _ = trained
    weights = _on_simplex(raw_weights)
    mean, cov = gaussian_barycenter(means, covs, weights)
    assert bw2_uvp(model.sample(20_000, weights, random_state=seed), mean, cov) < 1.0


@few_examples
@given(seed=seeds, index=st.integers(0, 2))
def test_one_hot_weights_give_that_measure(seed, index):
    means, covs, X, y = _gaussian_data(seed)
    model = _fit(X, y, seed)
    samples = model.sample(20_000, np.eye(3)[index], random_state=seed)
    assert bw2_uvp(samples, means[index], covs[index]) < 1.0


@few_examples
@given(seed=seeds)
def test_permuting_measures_and_weights_together_changes_nothing(seed):
    means, covs, X, y = _gaussian_data(seed)
    weights = np.random.default_rng(seed).dirichlet(np.ones(3))
    order = np.array([2, 0, 1])
    mean, cov = gaussian_barycenter(means, covs, weights)
    relabelled = np.argsort(order)[y]  # new label k names old measure order[k]
    model = _fit(X, y, seed)
    permuted = _fit(X, relabelled, seed)
    for fitted, a in ((model, weights), (permuted, weights[order])):
        assert bw2_uvp(fitted.sample(20_000, a, random_state=seed), mean, cov) < 1.0


@few_examples
@given(seed=seeds)
def test_translating_the_data_translates_every_barycenter(seed):
    """Translation equivariance, exactly: the same fit on data moved by c gives samples
    and maps moved by c, at every weight vector."""
    _, _, X, y = _gaussian_data(seed)
    shift = np.random.default_rng(seed).normal(scale=3.0, size=2)
    model, moved = _fit(X, y, seed), _fit(X + shift, y, seed)
    for weights in (np.array([0.2, 0.5, 0.3]), np.array([0.0, 1.0, 0.0])):
        np.testing.assert_allclose(
            moved.sample(500, weights, random_state=seed),
            model.sample(500, weights, random_state=seed) + shift,
            atol=1e-3,
        )
        np.testing.assert_allclose(
            moved.push_forward(X + shift, y, weights),
            model.push_forward(X, y, weights) + shift,
            atol=1e-3,
        )


def test_maps_are_mutual_inverses_and_reach_the_barycenter(trained):
    model, means, covs, X, y = trained
    weights = np.array([0.2, 0.5, 0.3])
    mean, cov = gaussian_barycenter(means, covs, weights)
    pushed = model.push_forward(X, y, weights)
    for k in range(3):
        assert bw2_uvp(pushed[y == k], mean, cov) < 2.0
    np.testing.assert_allclose(model.pull_back(pushed, y, weights), X, atol=0.2)


def test_dirichlet_weight_distribution_is_used(trained):
    _, _, _, X, y = trained
    model = FreeWeightBarycenter("dirichlet", alpha=[5.0, 1.0, 1.0], **TINY, random_state=0).fit(
        X, y
    )
    np.testing.assert_array_equal(model.concentration_, [5.0, 1.0, 1.0])
    # The net's own training iterator (as net.get_iterator builds it), run for more
    # iterations: one weight vector per iteration.
    n_draws = 400
    kwargs = {**model.net_.get_params_for("iterator_train"), "n_batches": n_draws}
    kwargs.setdefault("batch_size", model.net_.batch_size)
    torch.manual_seed(0)  # the sampler seeds its weight draws from torch's RNG
    sampler = model.net_.iterator_train(model.net_.get_dataset(*_padded(X, y)), **kwargs)
    drawn = np.stack([latent[-1].numpy() for _, latent in sampler])
    assert drawn.shape == (n_draws, 3)
    np.testing.assert_allclose(drawn.sum(axis=1), 1.0, rtol=1e-6)
    assert len(np.unique(drawn, axis=0)) == len(drawn)  # a fresh vector every iteration
    # Dirichlet(5, 1, 1): means (5, 1, 1) / 7, where the uniform law would give 1/3 each.
    alpha = np.array([5.0, 1.0, 1.0])
    expected = alpha / alpha.sum()
    std = np.sqrt(expected * (1 - expected) / (alpha.sum() + 1))
    np.testing.assert_array_less(np.abs(drawn.mean(axis=0) - expected), 4 * std / np.sqrt(n_draws))


def test_training_from_identity_moves_towards_the_barycenter():
    """From init="identity" (h starts at the Gaussian with the mixture's moments, too wide)
    a short training must approach the exact barycenter; a sign error in the h-step moves
    it away. Measured over seeds 0-3: BW2-UVP falls to 0.36-0.45 of the start's (a flipped
    h-loss: 4-8 times the start's)."""
    means, covs, X, y = _gaussian_data(0)
    params = dict(
        potential_hidden_sizes=(4,),
        generator_hidden_sizes=(4,),
        n_epochs=1,
        batch_size=200,
        n_inner_g=3,
        n_inner_f=2,
        init="identity",
        random_state=0,
    )
    # One step at a negligible learning rate: the starting networks.
    start = FreeWeightBarycenter(**params, iterations_per_epoch=1, lr=1e-9).fit(X, y)
    model = FreeWeightBarycenter(**params, iterations_per_epoch=60, lr=1e-2).fit(X, y)
    weights = np.full(3, 1 / 3)
    mean, cov = gaussian_barycenter(means, covs, weights)
    before = bw2_uvp(start.sample(20_000, weights, random_state=0), mean, cov)
    after = bw2_uvp(model.sample(20_000, weights, random_state=0), mean, cov)
    assert after < 0.7 * before


def _padded(X, y):
    counts = np.bincount(y)
    padded = np.zeros((len(counts), counts.max(), X.shape[1]), dtype=np.float32)
    for k in range(len(counts)):
        padded[k, : counts[k]] = X[y == k]
    return torch.as_tensor(padded), torch.as_tensor(counts)


# ---------------------------------------------------------------- bad input


@pytest.fixture(scope="module")
def fitted():
    _, _, X, y = _gaussian_data(0, n=200)
    return FreeWeightBarycenter(**TINY, random_state=0).fit(X, y), X, y


@pytest.mark.parametrize(
    "X_change, y_change, params, message",
    [
        (lambda X: np.where(np.arange(X.size).reshape(X.shape) == 0, np.nan, X), None, {}, "NaN"),
        (None, lambda y: np.where(np.arange(len(y)) == 0, 7, y), {}, "at least 2 samples"),
        (None, lambda y: np.zeros_like(y), {}, "at least 2 measures"),
        (None, None, {"weight_distribution": "dirichlet", "alpha": [1.0, 2.0]}, "alpha"),
        (None, None, {"weight_distribution": "dirichlet", "alpha": [1.0, 0.0, 1.0]}, "alpha"),
    ],
)
def test_bad_fit_input_raises_and_leaves_nothing_fitted(X_change, y_change, params, message):
    _, _, X, y = _gaussian_data(0, n=50)
    X = X_change(X) if X_change else X
    y = y_change(y) if y_change else y
    model = FreeWeightBarycenter(**TINY, **params)
    with pytest.raises(ValueError, match=message):
        model.fit(X, y)
    with pytest.raises(NotFittedError):
        model.sample(3, [0.5, 0.25, 0.25])


@pytest.mark.parametrize(
    "weights, message",
    [
        ([0.5, 0.5], "3 entries"),
        ([1.5, -0.5, 0.0], "non-negative"),
        ([0.5, 0.5, 0.5], "sum to 1"),
        ([np.nan, 0.5, 0.5], "finite"),
    ],
)
def test_invalid_weight_vectors_are_rejected(fitted, weights, message):
    model, X, y = fitted
    for call in (
        lambda: model.sample(3, weights),
        lambda: model.push_forward(X, y, weights),
        lambda: model.pull_back(X, y, weights),
        lambda: model.score(X, y, weights),
    ):
        with pytest.raises(ValueError, match=message):
            call()


def test_bad_input_after_fit(fitted):
    model, X, y = fitted
    weights = [0.2, 0.3, 0.5]
    with pytest.raises(ValueError, match="features"):
        model.push_forward(X[:, :1], y, weights)
    with pytest.raises(ValueError, match="Unknown measure labels"):
        model.pull_back(X, np.full(len(X), 9), weights)
    with pytest.raises(ValueError, match="n_samples"):
        model.sample(0, weights)


def test_diverging_fit_raises_and_fits_nothing(fitted):
    _, X, y = fitted
    model = FreeWeightBarycenter(lr=1e6, n_epochs=1, iterations_per_epoch=30, random_state=0)
    with pytest.raises(ValueError, match=r"Training diverged.*lr="):
        model.fit(X, y)
    assert not hasattr(model, "net_")


# ---------------------------------------------------------------- integration


def test_joblib_round_trip_gives_identical_samples(fitted, tmp_path):
    model, X, y = fitted
    joblib.dump(model, tmp_path / "model.joblib")
    loaded = joblib.load(tmp_path / "model.joblib")
    weights = [0.1, 0.6, 0.3]
    np.testing.assert_array_equal(
        loaded.sample(100, weights, random_state=3), model.sample(100, weights, random_state=3)
    )
    np.testing.assert_array_equal(
        loaded.push_forward(X, y, weights), model.push_forward(X, y, weights)
    )


def test_save_load_round_trip_is_exact(fitted, tmp_path):
    model, X, y = fitted
    model.save(tmp_path / "model.safetensors")
    loaded = load(tmp_path / "model.safetensors", device="cpu")
    assert type(loaded) is FreeWeightBarycenter
    weights = [0.1, 0.6, 0.3]
    np.testing.assert_array_equal(
        loaded.sample(50, weights, random_state=3), model.sample(50, weights, random_state=3)
    )
    np.testing.assert_array_equal(loaded.pull_back(X, y, weights), model.pull_back(X, y, weights))
    assert loaded.score(X, y, weights) == model.score(X, y, weights)
    for name in ("classes_", "concentration_", "loc_", "gaussian_means_", "gaussian_covs_"):
        np.testing.assert_array_equal(getattr(loaded, name), getattr(model, name))
    assert loaded.history_[:, "train_loss"] == model.history_[:, "train_loss"]
    loaded.set_params(warm_start=True).fit(X, y)  # continues from the saved weights
    assert len(loaded.history_) == 2 * TINY["n_epochs"]


def test_separated_modes_get_a_mixture_latent_that_round_trips(fitted, tmp_path):
    """As NeuralBarycenter: Gaussian data keep one component, two mixtures of four
    Gaussians get several, and a saved model samples the same from every component."""
    assert fitted[0].net_.module_.h.n_components == 1
    X, y = make_gaussian_mixtures(2, 2000, random_state=0)
    model = FreeWeightBarycenter(**TINY, random_state=0).fit(X, y)
    assert model.net_.module_.h.n_components >= 4
    model.save(tmp_path / "model.safetensors")
    loaded = load(tmp_path / "model.safetensors", device="cpu")
    assert loaded.net_.module_.h.n_components == model.net_.module_.h.n_components
    for weights in ([0.3, 0.7], [1.0, 0.0]):
        np.testing.assert_array_equal(
            loaded.sample(200, weights, random_state=3), model.sample(200, weights, random_state=3)
        )


def test_pipeline_with_standard_scaler(fitted):
    _, X, y = fitted
    pipe = make_pipeline(StandardScaler(), FreeWeightBarycenter(**TINY, random_state=0)).fit(X, y)
    samples = pipe[:-1].inverse_transform(pipe[-1].sample(10, [0.2, 0.2, 0.6], random_state=0))
    assert samples.shape == (10, 2)
    assert np.isfinite(pipe.score(X, y))


def test_grid_search_over_score(fitted):
    _, X, y = fitted
    folds = StratifiedKFold(2, shuffle=True, random_state=0)
    search = GridSearchCV(
        FreeWeightBarycenter(**TINY, random_state=0), {"lr": [1e-4, 1e-3]}, cv=folds
    )
    search.fit(X, y)
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))


@pytest.mark.parametrize("weights", [[0.8, 0.1, 0.1], [0.0, 1.0, 0.0], [0.2, 0.3, 0.5]])
def test_samples_have_the_barycenters_mean(fitted, weights):
    """The mean of a W2 barycenter is the weighted mean of the measures' means; sample
    moves the generator onto it, even one whose shift is far off."""
    model, X, y = fitted
    moved = copy.deepcopy(model)
    moved.net_.module_.h.shift.data += 3.0
    target = np.asarray(weights) @ np.stack([X[y == k].mean(axis=0) for k in model.classes_])
    spread = X.std(axis=0).mean()
    for estimator in (model, moved):
        mean = estimator.sample(8192, weights=weights, random_state=1).mean(axis=0)
        np.testing.assert_allclose(mean, target, atol=1e-3 * spread)


def test_refit_is_reproducible_and_sample_is_seeded(fitted):
    _, X, y = fitted
    weights = [0.3, 0.3, 0.4]
    first = FreeWeightBarycenter(**TINY, random_state=5).fit(X, y)
    second = FreeWeightBarycenter(**TINY, random_state=5).fit(X, y)
    np.testing.assert_array_equal(
        first.sample(50, weights, random_state=0), second.sample(50, weights, random_state=0)
    )
    assert not np.allclose(
        first.sample(10, weights, random_state=1), first.sample(10, weights, random_state=2)
    )
    independent = first.sample(10, weights, random_state=1, quasi_random=False)
    np.testing.assert_array_equal(
        independent, second.sample(10, weights, random_state=1, quasi_random=False)
    )
    assert not np.allclose(independent, first.sample(10, weights, random_state=1))


def test_warm_start_continues_training(fitted):
    _, X, y = fitted
    model = FreeWeightBarycenter(**TINY, warm_start=True, random_state=0).fit(X, y)
    module = model.net_.module_
    potentials = [p.detach().clone() for p in module.f.parameters()]
    model.fit(X, y)
    assert model.net_.module_ is module
    assert len(model.history_) == 2 * TINY["n_epochs"]
    # A new cosine cycle from lr: a resumed, finished one stayed at 0 and moved nothing.
    assert model.history_[TINY["n_epochs"], "batches", 0, "event_lr"] == model.lr
    assert any(not torch.equal(a, b) for a, b in zip(potentials, module.f.parameters()))


def test_verbose_controls_output(fitted, capsys):
    _, X, y = fitted
    FreeWeightBarycenter(**TINY, random_state=0).fit(X, y)
    assert capsys.readouterr().out == ""
    FreeWeightBarycenter(**TINY, verbose=1, random_state=0).fit(X, y)
    assert "train_loss" in capsys.readouterr().out


def test_n_threads_is_restored(fitted):
    model, _, _ = fitted
    before = torch.get_num_threads()
    model.set_params(n_threads=2).sample(5, [1 / 3, 1 / 3, 1 / 3])
    assert torch.get_num_threads() == before
