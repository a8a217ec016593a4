import joblib
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import is_classifier
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV, KFold, StratifiedKFold, check_cv
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_wb import (
    NeuralBarycenter,
    _barycenter_init,
    _defaults,
    _sample_measures,
    neural_barycenter,
)
from sklearn_wb.deep.fixed_point import FixedPointRounds
from sklearn_wb.deep.generator import latent_draws
from sklearn_wb.deep.nwb_net import _measure_draw
from sklearn_wb.deep.sinkhorn_steps import SinkhornGeneratorSteps
from sklearn_wb.numerics import bw2_uvp, gaussian_barycenter, random_gaussians, sample_gaussians

seeds = st.integers(0, 2**31 - 1)

TINY = dict(
    potential_hidden_sizes=(4,),
    generator_hidden_sizes=(4,),
    n_epochs=2,
    iterations_per_epoch=3,
    batch_size=16,
    n_inner_g=2,
    n_inner_f=2,
)
# Short but real training: 40 outer iterations move the networks enough that a wrong
# sign or map anywhere in the step would show. The default lr is set for the default
# 600-iteration schedule; a 40-iteration cosine needs a proportionally smaller one.
SMALL = dict(
    potential_hidden_sizes=(8, 8),
    generator_hidden_sizes=(8,),
    n_epochs=2,
    iterations_per_epoch=20,
    lr=1e-3,
    # The properties below are about Gaussian data (or only the mean), for which one latent
    # component is the exact start; fixing it skips the BIC search (seconds per fit).
    n_components=1,
)
# Properties that train a model (or two) per example draw few examples, the same ones
# every run.
few_examples = settings(max_examples=3, derandomize=True, database=None, deadline=None)


# Tagged as a classifier so that an int cv stratifies by measure (see the class docstring);
# the classifier checks that call predict cannot apply to a generative model.
NO_PREDICT = "learns a distribution to sample from: no predict, so no labels to check"
EXPECTED_FAILED_CHECKS = {
    "check_classifier_data_not_an_array": NO_PREDICT,
    "check_classifiers_classes": NO_PREDICT,
    "check_classifiers_train": NO_PREDICT,
    "check_supervised_y_2d": NO_PREDICT,
    # One measure is valid input: a generative model of it (the NWB paper's Fig. 10).
    "check_classifiers_one_label": "one label is one measure, whose barycenter is itself",
}


@parametrize_with_checks(
    [NeuralBarycenter(**TINY, random_state=0)],
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
    return NeuralBarycenter(**{**SMALL, **params}, random_state=seed).fit(X, y)


# ---------------------------------------------------------------- properties


@few_examples
@given(seed=seeds)
def test_identical_measures_give_that_measure(seed):
    means, covs = random_gaussians(1, 2, random_state=seed)
    X, _ = sample_gaussians(means, covs, 3000, random_state=seed)
    model = _fit(np.concatenate([X, X]), np.repeat([0, 1], len(X)), seed)
    assert bw2_uvp(model.sample(20_000, random_state=seed), means[0], covs[0]) < 1.0


@few_examples
@given(seed=seeds, index=st.integers(0, 2))
def test_one_hot_weights_give_that_input(seed, index):
    means, covs, X, y = _gaussian_data(seed)
    model = _fit(X, y, seed, weights=np.eye(3)[index])
    assert bw2_uvp(model.sample(20_000, random_state=seed), means[index], covs[index]) < 1.0


@few_examples
@given(seed=seeds)
def test_relabelling_with_permuted_weights_changes_nothing(seed):
    means, covs, X, y = _gaussian_data(seed)
    weights = np.random.default_rng(seed).dirichlet(np.ones(3))
    order = np.array([2, 0, 1])
    mean, cov = gaussian_barycenter(means, covs, weights)
    # New label k names old measure order[k], so it takes the old weight of that measure.
    relabelled = np.argsort(order)[y]
    model = _fit(X, y, seed, weights=weights)
    permuted = _fit(X, relabelled, seed, weights=weights[order])
    for fitted in (model, permuted):
        assert bw2_uvp(fitted.sample(20_000, random_state=seed), mean, cov) < 1.0


@few_examples
@given(seed=seeds)
def test_translation_moves_barycenter_by_weighted_shift(seed):
    means, covs, X, y = _gaussian_data(seed)
    rng = np.random.default_rng(seed)
    weights, shifts = rng.dirichlet(np.ones(3)), rng.normal(scale=3.0, size=(3, 2))
    model = _fit(X + shifts[y], y, seed, weights=weights)
    mean, cov = gaussian_barycenter(means + shifts, covs, weights)
    samples = model.sample(20_000, random_state=seed)
    np.testing.assert_allclose(samples.mean(axis=0), mean, atol=0.1)
    assert bw2_uvp(samples, mean, cov) < 1.0


@few_examples
@given(seed=seeds)
def test_barycenter_mean_is_weighted_mean(seed):
    rng = np.random.default_rng(seed)
    X = np.concatenate([rng.uniform(-1, 1, (2000, 2)), rng.exponential(1.0, (2000, 2)) + 3])
    y = np.repeat([0, 1], 2000)
    weights = rng.dirichlet(np.ones(2))
    samples = _fit(X, y, seed, weights=weights).sample(20_000, random_state=seed)
    expected = weights @ np.stack([X[y == 0].mean(0), X[y == 1].mean(0)])
    np.testing.assert_allclose(samples.mean(axis=0), expected, atol=0.1)


def test_maps_are_mutual_inverses_and_reach_the_barycenter():
    means, covs, X, y = _gaussian_data(0)
    model = _fit(X, y, 0)
    mean, cov = gaussian_barycenter(means, covs)
    pushed = model.push_forward(X, y)
    for k in range(3):
        assert bw2_uvp(pushed[y == k], mean, cov) < 2.0
    np.testing.assert_allclose(model.pull_back(pushed, y), X, atol=0.2)


# ---------------------------------------------------------------- bad input


@pytest.fixture(scope="module")
def fitted():
    _, _, X, y = _gaussian_data(0, n=200)
    return NeuralBarycenter(**TINY, random_state=0).fit(X, y), X, y


@pytest.mark.parametrize(
    "X_change, y_change, params, message",
    [
        (lambda X: np.where(np.arange(X.size).reshape(X.shape) == 0, np.nan, X), None, {}, "NaN"),
        (
            lambda X: np.where(np.arange(X.size).reshape(X.shape) == 0, np.inf, X),
            None,
            {},
            "infinity",
        ),
        (None, lambda y: np.where(np.arange(len(y)) == 0, 7, y), {}, "at least 2 samples"),
        (None, None, {"weights": [0.5, 0.5]}, "3 entries"),
        (None, None, {"weights": [1.5, -0.5, 0.0]}, "non-negative"),
        (None, None, {"weights": [0.5, 0.5, 0.5]}, "sum to 1"),
    ],
)
def test_bad_fit_input_raises_and_leaves_nothing_fitted(X_change, y_change, params, message):
    _, _, X, y = _gaussian_data(0, n=50)
    X = X_change(X) if X_change else X
    y = y_change(y) if y_change else y
    model = NeuralBarycenter(**TINY, **params)
    with pytest.raises(ValueError, match=message):
        model.fit(X, y)
    with pytest.raises(NotFittedError):
        model.sample(3)


def test_bad_input_after_fit(fitted):
    model, X, y = fitted
    with pytest.raises(ValueError, match="features"):
        model.push_forward(X[:, :1], y)
    with pytest.raises(ValueError, match="Unknown measure labels"):
        model.pull_back(X, np.full(len(X), 9))
    with pytest.raises(ValueError, match="one label per row"):
        model.push_forward(X, y[:3])
    with pytest.raises(ValueError, match="n_samples"):
        model.sample(0)


# ---------------------------------------------------------------- integration


def test_joblib_round_trip_gives_identical_samples(fitted, tmp_path):
    model, X, y = fitted
    joblib.dump(model, tmp_path / "model.joblib")
    loaded = joblib.load(tmp_path / "model.joblib")
    np.testing.assert_array_equal(
        loaded.sample(100, random_state=3), model.sample(100, random_state=3)
    )
    np.testing.assert_array_equal(loaded.push_forward(X, y), model.push_forward(X, y))


def test_refit_with_same_random_state_is_reproducible():
    _, _, X, y = _gaussian_data(0, n=200)
    first = NeuralBarycenter(**TINY, random_state=5).fit(X, y).sample(50, random_state=0)
    second = NeuralBarycenter(**TINY, random_state=5).fit(X, y).sample(50, random_state=0)
    np.testing.assert_array_equal(first, second)


@pytest.mark.parametrize("quasi_random", [True, False])
def test_sample_is_seeded(fitted, quasi_random):
    model, _, _ = fitted
    draw = lambda seed: model.sample(10, random_state=seed, quasi_random=quasi_random)  # noqa: E731
    np.testing.assert_array_equal(draw(1), draw(1))
    assert not np.allclose(draw(1), draw(2))
    assert not np.allclose(draw(1), model.sample(10, random_state=1, quasi_random=not quasi_random))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_quasi_random_latent_draws_cover_the_latent_space_evenly(seed):
    """Picks uniform and noise standard normal, as with independent draws, but spread
    evenly: 1000 picks put 100 +- 2 in each tenth of [0, 1), where independent ones miss
    by 14-20 at these seeds (about 9.5 is one sd), and each noise coordinate's
    Kolmogorov-Smirnov distance to the normal law is below 0.005 (0.02-0.05 for
    independent draws)."""
    from scipy import stats

    def spread(quasi_random):
        noise, pick = latent_draws(1000, 3, seed, "cpu", quasi_random)
        counts = np.histogram(pick.numpy(), bins=10, range=(0, 1))[0]
        ks = max(stats.kstest(column, "norm").statistic for column in noise.numpy().T)
        return np.abs(counts - 100).max(), ks

    count_error, ks = spread(quasi_random=True)
    assert count_error <= 2 and ks < 0.005
    count_error, ks = spread(quasi_random=False)
    assert count_error > 10 and ks > 0.02


def test_pipeline_with_standard_scaler(fitted):
    _, X, y = fitted
    pipe = make_pipeline(StandardScaler(), NeuralBarycenter(**TINY, random_state=0)).fit(X, y)
    samples = pipe[:-1].inverse_transform(pipe[-1].sample(10, random_state=0))
    assert samples.shape == (10, 2)
    assert np.isfinite(pipe.score(X, y))


def test_grid_search_over_score(fitted):
    _, X, y = fitted
    folds = StratifiedKFold(2, shuffle=True, random_state=0)  # every fold holds every measure
    search = GridSearchCV(NeuralBarycenter(**TINY, random_state=0), {"lr": [1e-4, 1e-3]}, cv=folds)
    search.fit(X, y)
    assert set(search.cv_results_["params"][0]) == {"lr"}
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))


def test_score_is_deterministic_and_prefers_the_barycenter(fitted):
    model, X, y = fitted
    assert model.score(X, y) == model.score(X, y)
    shifted = NeuralBarycenter(**TINY, random_state=0).fit(X, y)
    shifted.net_.module_.h.shift.data += 3.0  # a barycenter moved away from all measures
    assert shifted.score(X, y) < model.score(X, y)


def test_score_in_float32_matches_float64(fitted, monkeypatch):
    """score's Sinkhorn loops run in float32 on data near the training spread."""
    model, X, y = fitted
    in_float32 = model.score(X, y)
    monkeypatch.setattr(_sample_measures, "_SCORE_FLOAT32_EXTENT", 0.0)
    assert model.score(X, y) == pytest.approx(in_float32, rel=1e-5)


def test_warm_start_continues_training(fitted):
    _, X, y = fitted
    model = NeuralBarycenter(**TINY, warm_start=True, random_state=0).fit(X, y)
    module, optimizer = model.net_.module_, model.net_.optimizer_
    potentials = [p.detach().clone() for p in module.f.parameters()]
    model.fit(X, y)
    assert model.net_.module_ is module
    assert model.net_.optimizer_ is optimizer  # unchanged parameters keep Adam's moments
    assert len(model.history_) == 2 * TINY["n_epochs"]
    # A new cosine cycle from lr: a resumed, finished one stayed at 0 and moved nothing.
    assert model.history_[TINY["n_epochs"], "batches", 0, "event_lr"] == model.lr
    assert any(not torch.equal(a, b) for a, b in zip(potentials, module.f.parameters()))
    # Training parameters changed between fits apply to the continued training.
    model.set_params(n_epochs=1, iterations_per_epoch=4, lr=1e-5).fit(X, y)
    assert len(model.history_) == 2 * TINY["n_epochs"] + 1
    last_epoch = model.history_[-1, "batches"]
    assert len(last_epoch) == 4 and max(b["event_lr"] for b in last_epoch) <= 1e-5
    cold = NeuralBarycenter(**TINY, random_state=0).fit(X, y)
    assert len(cold.fit(X, y).history_) == TINY["n_epochs"]


def test_verbose_controls_output(fitted, capsys):
    _, X, y = fitted
    NeuralBarycenter(**TINY, random_state=0).fit(X, y)
    assert capsys.readouterr().out == ""
    NeuralBarycenter(**TINY, verbose=1, random_state=0).fit(X, y)
    assert "train_loss" in capsys.readouterr().out


def test_a_warm_start_follows_the_current_verbose(fitted, capsys):
    _, X, y = fitted
    model = NeuralBarycenter(**TINY, verbose=1, random_state=0).fit(X, y)
    capsys.readouterr()
    model.set_params(warm_start=True, verbose=0).fit(X, y)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""  # no epoch table, no progress bar
    model.set_params(verbose=1).fit(X, y)
    captured = capsys.readouterr()
    assert "train_loss" in captured.out and "it/s" in captured.err


def test_generator_components_follow_the_modes_of_the_first_guess():
    """Separated modes get a mixture latent; Gaussian measures keep the exact Gaussian start."""
    from sklearn_wb.numerics import make_gaussian_mixtures

    X, y = make_gaussian_mixtures(2, 2000, random_state=0)
    kwargs = dict(TINY, n_epochs=1, random_state=0)
    multimodal = NeuralBarycenter(**kwargs).fit(X, y)
    assert multimodal.net_.module_.h.n_components >= 4
    X, y = sample_gaussians(*random_gaussians(2, 2, random_state=0), 2000, random_state=0)
    gaussian = NeuralBarycenter(**kwargs).fit(X, y)
    assert gaussian.net_.module_.h.n_components == 1
    fixed = NeuralBarycenter(**kwargs, n_components=3).fit(X, y)
    assert fixed.net_.module_.h.n_components == 3
    samples = fixed.sample(50, random_state=1)
    np.testing.assert_array_equal(samples, fixed.sample(50, random_state=1))


def test_modes_get_their_mass_where_the_mixture_has_none(monkeypatch):
    """Clusters at -5 and +5 holding 1/4 and 3/4 of one 1-D measure and 3/4 and 1/4 of
    the other: their barycenter (the quantile average) holds 1/4, 1/2 and 1/4 at -5, 0
    and +5. The plain mixture has nothing at 0, and the measures' Gaussian maps (shifts
    by -2.5 and +2.5) leave nothing there either."""
    # 1000 atoms: the answer's masses within 0.014 (one sd), not conftest's 200's 0.03.
    monkeypatch.setitem(_defaults.FREE_SUPPORT_GUESS, "n_atoms", 1000)
    rng = np.random.default_rng(0)

    def clusters(left_mass, n=2000):
        return np.where(rng.random(n) < left_mass, -5.0, 5.0) + 0.3 * rng.normal(size=n)

    X = np.concatenate([clusters(0.25), clusters(0.75)])[:, None]
    y = np.repeat([0, 1], 2000)
    model = NeuralBarycenter(**TINY, random_state=0).fit(X, y)
    samples = model.sample(4000, random_state=0)[:, 0]
    masses = [np.mean(samples < -3.5), np.mean(np.abs(samples) < 1.5), np.mean(samples > 3.5)]
    np.testing.assert_allclose(masses, [0.25, 0.5, 0.25], atol=0.04)


def test_free_support_guess_doubles_its_atoms_up_to_the_exact_1d_barycenter(monkeypatch):
    """Levels of 16, 32 and 64 atoms against two 1-D measures of 64 samples: each level
    solves against as many samples as it has atoms, the last uses every sample, and in
    1-D a round between equal sizes and distinct atoms lands on the quantile average.
    (Two rounds there: a doubled atom's two copies may take crossed ranks in the two
    measures.)"""
    calls = []
    solve = _barycenter_init.exact_plan_fixed_point

    def recorded_solve(atoms, measures, weights, n_iterations):
        calls.append((len(atoms), [len(m) for m in measures], n_iterations))
        return solve(atoms, measures, weights, n_iterations)

    monkeypatch.setattr(_barycenter_init, "exact_plan_fixed_point", recorded_solve)
    rng = np.random.default_rng(0)
    measures = [rng.normal(-2, 1, 64), rng.exponential(1, 64)]
    Z, labels = np.concatenate(measures)[:, None], np.repeat([0, 1], 64)
    start = rng.normal(size=(64, 1))
    atoms = _barycenter_init.free_support_guess(Z, labels, [0.5, 0.5], start, [3, 2, 2], rng)
    assert calls == [(16, [16, 16], 3), (32, [32, 32], 2), (64, [64, 64], 2)]
    expected = (np.sort(measures[0]) + np.sort(measures[1])) / 2
    np.testing.assert_allclose(np.sort(atoms[:, 0]), expected)


def test_pooled_rounds_return_the_answers_of_disjoint_blocks(monkeypatch):
    """16 atoms, 1-D measures of 40 samples (two whole blocks of 16) and a third of weight 0
    with 5: three pooled rounds are asked, two blocks exist, and each block's atoms are the
    quantile average of its own, disjoint samples (a round between equal sizes in 1-D)."""
    blocks = []
    solve = _barycenter_init.exact_plan_fixed_point

    def recorded_solve(atoms, measures, weights, n_iterations):
        blocks.append(measures)
        return solve(atoms, measures, weights, n_iterations)

    monkeypatch.setattr(_barycenter_init, "exact_plan_fixed_point", recorded_solve)
    rng = np.random.default_rng(0)
    measures = [rng.normal(-2, 1, 40), rng.exponential(1, 40), rng.normal(0, 1, 5)]
    Z = np.concatenate(measures)[:, None]
    labels = np.repeat([0, 1, 2], [40, 40, 5])
    start = rng.normal(size=(16, 1))
    weights = [0.5, 0.5, 0.0]
    atoms = _barycenter_init.free_support_guess(Z, labels, weights, start, [3], rng, 3)
    assert atoms.shape == (32, 1) and len(blocks) == 2
    first, second = (np.concatenate(block[:2]) for block in blocks)
    assert not np.isin(first, second).any()
    for block, answer in zip(blocks, np.split(atoms[:, 0], 2)):
        expected = (np.sort(block[0][:, 0]) + np.sort(block[1][:, 0])) / 2
        np.testing.assert_allclose(np.sort(answer), expected)


# ---------------------------------------------------------------- cross-validation


def test_int_cv_keeps_every_measure_in_every_fold(fitted):
    _, X, y = fitted  # rows sorted by measure: plain KFold would put whole measures in a fold
    model = NeuralBarycenter(**TINY, random_state=0)
    assert isinstance(check_cv(3, y, classifier=is_classifier(model)), StratifiedKFold)
    search = GridSearchCV(model, {"lr": [1e-3]}, cv=3, error_score="raise").fit(X, y)
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))


def test_score_rejects_a_missing_measure(fitted):
    model, X, y = fitted
    kept = y != model.classes_[0]
    with pytest.raises(ValueError, match=r"every measure; measures \[0\] have none"):
        model.score(X[kept], y[kept])


def test_plain_kfold_fails_loudly_when_errors_are_raised(fitted):
    _, X, y = fitted
    search = GridSearchCV(
        NeuralBarycenter(**TINY, random_state=0), {"lr": [1e-3]}, cv=KFold(3), error_score="raise"
    )
    with pytest.raises(ValueError, match="StratifiedKFold"):
        search.fit(X, y)


def test_continuous_labels_are_rejected(fitted):
    _, X, y = fitted
    with pytest.raises(ValueError, match="Unknown label type"):
        NeuralBarycenter(**TINY).fit(X, y + 0.5)


@pytest.mark.parametrize("step", [1.0, 0.5])
def test_fixed_point_round_moves_the_generator_by_the_averaged_map(step):
    # With grad f_i(x) = x + b_i the averaged map shifts every sample by sum_i a_i b_i;
    # a step below 1 moves that share of the way.
    X, y = sample_gaussians(*random_gaussians(2, 2, random_state=0), 300, random_state=0)
    model = NeuralBarycenter(
        weights=[0.25, 0.75],
        potential_hidden_sizes=(),
        generator_hidden_sizes=(),
        n_epochs=1,
        iterations_per_epoch=2,
        random_state=0,
    ).fit(X, y)
    module = model.net_.module_
    shifts = torch.tensor([[1.0, 0.0], [0.0, 2.0]])
    module.f.set_quadratic_(torch.eye(2).expand(2, 2, 2), shifts)
    latent = model.net_._fresh_latent(model.net_.batch_size)
    before = module.h(*latent).detach()
    model.net_.fixed_point_round(n_steps=300, lr=2e-2, step=step)
    moved = (module.h(*latent).detach() - before).mean(0)
    np.testing.assert_allclose(moved, step * np.array([0.25, 1.5]), atol=0.05)


@pytest.mark.parametrize(("max_measures", "atol"), [(None, 0.05), (1, 0.15)])
def test_sinkhorn_steps_move_the_generator_to_the_barycenter(max_measures, atol):
    # Two narrow Gaussians with weights (1/4, 3/4): the barycenter is the narrow Gaussian
    # at the weighted mean of their centres, (0.25 * (2, 0) + 0.75 * (0, 2)). With one
    # measure per step, drawn by weight, the steps still descend the weighted objective,
    # plus the draws' noise (0.09 off here; uniform weights would give (1, 1)).
    model = NeuralBarycenter(
        weights=[0.25, 0.75],
        potential_hidden_sizes=(),
        generator_hidden_sizes=(),
        generator_step="sinkhorn",
        n_epochs=1,
        iterations_per_epoch=2,
        random_state=0,
    ).fit(*sample_gaussians(*random_gaussians(2, 2, random_state=0), 300, random_state=0))
    net = model.net_
    steps = SinkhornGeneratorSteps(
        batch_size=64, lr=5e-2, blur=0.05, scaling=0.8, max_measures=max_measures
    )
    steps.on_train_begin(net)
    torch.manual_seed(0)
    centres = torch.tensor([[2.0, 0.0], [0.0, 2.0]])
    for _ in range(150):
        samples = centres[:, None] + 0.05 * torch.randn(2, 64, 2)
        steps.on_batch_end(net, batch=(samples, None))
    generated = net.module_.h(*net._fresh_latent(2000)).detach()
    np.testing.assert_allclose(generated.mean(0), [0.5, 1.5], atol=atol)
    assert generated.std(0).max() < 0.15


def test_measure_draw_is_unbiased_and_bounded():
    weights = torch.tensor([0.1, 0.2, 0.7])
    assert _measure_draw(weights, 3) == (slice(None), weights)
    torch.manual_seed(0)
    total = torch.zeros(3)
    for _ in range(4000):
        measures, drawn = _measure_draw(weights, 2)
        assert len(measures) <= 2 and torch.isclose(drawn.sum(), torch.tensor(1.0))
        total[measures] += drawn
    np.testing.assert_allclose(total / 4000, weights, atol=0.02)


@pytest.mark.parametrize(
    ("step", "dim", "expected"),
    [
        ("auto", 2, type(None)),  # the generator keeps its free-support start
        ("auto", 3, FixedPointRounds),
        ("sinkhorn", 16, SinkhornGeneratorSteps),
        ("fixed_point", 2, FixedPointRounds),
        ("none", 16, type(None)),
    ],
)
def test_generator_step_picks_the_generator_callback(step, dim, expected):
    assert type(NeuralBarycenter(generator_step=step)._generator_steps(dim)) is expected


@pytest.mark.parametrize(("dim", "expected"), [(2, 400), (3, 1024)])
def test_auto_batch_size_grows_above_two_dimensions(dim, expected):
    params = {**TINY, "batch_size": "auto", "n_epochs": 1, "iterations_per_epoch": 1}
    X, y = sample_gaussians(*random_gaussians(2, dim, random_state=0), 50, random_state=0)
    assert NeuralBarycenter(**params, random_state=0).fit(X, y).net_.batch_size == expected


@pytest.mark.parametrize(("dim", "n_epochs", "n_inner_g"), [(2, 12, 3), (3, 6, 6)])
def test_auto_schedule_trains_the_maps_longer_in_low_dimension(dim, n_epochs, n_inner_g):
    params = {**TINY, "n_epochs": "auto", "n_inner_g": "auto", "iterations_per_epoch": 1}
    X, y = sample_gaussians(*random_gaussians(2, dim, random_state=0), 50, random_state=0)
    model = NeuralBarycenter(**params, random_state=0).fit(X, y)
    assert (len(model.history_), model.net_.n_inner_g) == (n_epochs, n_inner_g)


@pytest.fixture
def guess_level_rounds(monkeypatch):
    """The ``level_rounds`` and ``pooled_rounds`` of every first guess of the fits that
    follow."""
    rounds = []
    guess = neural_barycenter.free_support_guess

    def recorded_guess(Z, labels, weights, start, level_rounds, rng, pooled_rounds):
        rounds.append((level_rounds, pooled_rounds))
        return guess(Z, labels, weights, start, level_rounds, rng, pooled_rounds)

    monkeypatch.setattr(neural_barycenter, "free_support_guess", recorded_guess)
    return rounds


@pytest.mark.parametrize(
    ("n_measures", "n_epochs", "level_rounds", "pooled_rounds"),
    [(3, 12, [20, 6, 1], 4), (5, 12, [20, 6, 1], 2), (6, 10, [20, 6, 1], 2),
     (10, 6, [20, 6, 1], 1), (20, 3, [10, 3, 1], 1), (50, 3, [4, 1, 1], 1)],
)  # fmt: skip
def test_many_measures_shorten_the_2d_fit(
    guess_level_rounds, n_measures, n_epochs, level_rounds, pooled_rounds
):
    params = {**TINY, "n_epochs": "auto", "iterations_per_epoch": 1}
    X, y = sample_gaussians(*random_gaussians(n_measures, 2, random_state=0), 20, random_state=0)
    model = NeuralBarycenter(**params, random_state=0).fit(X, y)
    assert guess_level_rounds == [(level_rounds, pooled_rounds)]
    # The learning rate's cosine spans the shortened fit: its last step is one before 0.
    assert len(model.history_) == n_epochs
    assert model.history_[-1, "batches", -1, "event_lr"] == pytest.approx(
        model.lr * (1 + np.cos(np.pi * (n_epochs - 1) / n_epochs)) / 2
    )


@pytest.mark.parametrize(("n_measures", "expected"), [(20, ([20, 6, 1], 1)), (6, ([20, 6, 1], 4))])
def test_plan_budget_counts_only_measures_of_nonzero_weight(
    guess_level_rounds, n_measures, expected
):
    """Half the measures of weight 0: a round solves plans for the other half only. 20
    measures get the level rounds of 10 (20 and 6), not of 20 (10 and 3); 6 get the
    pooled rounds of 3 (4), not of 6 (2)."""
    X, y = sample_gaussians(*random_gaussians(n_measures, 2, random_state=0), 20, random_state=0)
    weights = np.repeat([2 / n_measures, 0.0], n_measures // 2)
    params = {**TINY, "n_epochs": 1, "iterations_per_epoch": 1}
    NeuralBarycenter(**params, weights=weights, random_state=0).fit(X, y)
    assert guess_level_rounds == [expected]


@pytest.mark.parametrize(("dim", "width"), [(2, 16), (3, 64), (64, 128)])
def test_auto_widths_grow_above_two_dimensions(dim, width):
    params = {**TINY, "n_epochs": 1, "iterations_per_epoch": 1}
    params.update(potential_hidden_sizes="auto", generator_hidden_sizes="auto")
    X, y = sample_gaussians(*random_gaussians(2, dim, random_state=0), 200, random_state=0)
    module = NeuralBarycenter(**params, random_state=0).fit(X, y).net_.module_
    assert [layer.weight.shape[-1] for layer in module.f.input_layers] == [width, width]
    assert module.h.residual[0].out_features == width


def test_a_single_measure_is_its_own_barycenter():
    """N = 1 (the NWB paper's Fig. 10): the generator learns the measure itself."""
    X, _ = sample_gaussians(*random_gaussians(1, 2, random_state=0), 500, random_state=0)
    X = X + np.array([5.0, -3.0])
    model = NeuralBarycenter(**TINY, random_state=0).fit(X, np.zeros(len(X), dtype=int))
    np.testing.assert_array_equal(model.weights_, [1.0])
    samples = model.sample(2000, random_state=0)
    np.testing.assert_allclose(samples.mean(0), X.mean(0), atol=0.2)
    assert model.push_forward(X[:5], 0).shape == (5, 2)
