"""``reproduce free-weights``: a tiny run of the two-measure sweeps end to end, the exact
answers they are scored against, and the duration estimate of the chosen parts."""

from types import SimpleNamespace

import numpy as np
import pytest

from sklearn_wb.__main__ import main, parse_args
from sklearn_wb.commands import reproduce_free_weights
from sklearn_wb.commands._exact_ot import (
    exact_answer_draws,
    mccann_interpolant,
    mixture_samples,
    w2_squared,
)
from sklearn_wb.numerics import gaussian_barycenter

TINY = [
    "--samples-per-measure", "90",
    "--sweep-samples", "30",
    "--n-epochs", "1",
    "--iterations-per-epoch", "2",
]  # fmt: skip


@pytest.mark.parametrize(
    ("part", "heading", "other"),
    [
        ("lines", "Two line-supported measures (Fig. 12)", "Fig. 11"),
        ("mixtures", "Two Gaussian mixtures (Fig. 11)", "Fig. 12"),
    ],
)
def test_tiny_sweep_writes_w2_floor_ratios_and_targets(tmp_path, capsys, part, heading, other):
    page = tmp_path / "free_weights.rst"
    main(["reproduce", "free-weights", "--parts", part, *TINY, "--output", str(page)])
    text = page.read_text()
    assert f"{heading}: W2^2 at weights (1 - t, t)" in text
    for row in [
        "second draw of the exact answer (floor)",
        "FreeWeightBarycenter, one fit",
        "NeuralBarycenter, a fit per t",
        "POT free-support, a solve per t",
        "plain mixture",
        "FreeWeightBarycenter / floor",
        "POT free-support / floor",
        "quasi-random draw of the exact answer (floor of sample()'s draws)",
        "FreeWeightBarycenter / quasi-random floor",
        "NeuralBarycenter / quasi-random floor",
    ]:
        assert row in text
    assert all(f"t = {t}" in text for t in reproduce_free_weights.SWEEP_TS)
    label = part.capitalize()
    assert f"{label}: W2^2 <= 2 x floor at every t" in text
    assert f"{label}: W2^2 <= 2 x quasi-random floor at every t" in text
    assert "Gaussians (C.4)" not in text and other not in text  # the other parts did not run
    assert f"reproduce free-weights --parts {part} --samples-per-measure 90" in text
    assert "table written to" in capsys.readouterr().out


def test_a_run_of_some_parts_does_not_write_the_docs_table():
    assert parse_args(["reproduce", "free-weights"]).output == "docs/benchmarks/free_weights.rst"
    assert parse_args(["reproduce", "free-weights", "--parts", "mixtures"]).output is None


def test_sweeps_need_separate_samples_for_the_answer_floor_and_mixture():
    argv = ["reproduce", "free-weights", "--parts", "mixtures", "--samples-per-measure", "100"]
    with pytest.raises(ValueError, match="2 x --sweep-samples"):
        main([*argv, "--sweep-samples", "51"])


def test_parts_option_rejects_an_unknown_name(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["reproduce", "free-weights", "--parts", "line"])
    assert exit_info.value.code == 2 and "mixtures" in capsys.readouterr().err


def test_n_epochs_option_rejects_auto_which_free_weight_barycenter_lacks(capsys):
    """NeuralBarycenter's pages take --n-epochs auto; FreeWeightBarycenter has no "auto"
    and the option defaults to its 6 epochs."""
    assert parse_args(["reproduce", "free-weights"]).n_epochs == 6
    with pytest.raises(SystemExit):
        parse_args(["reproduce", "free-weights", "--n-epochs", "auto"])
    assert "invalid positive_int value: 'auto'" in capsys.readouterr().err
    assert parse_args(["reproduce", "ring", "--n-epochs", "auto"]).n_epochs == "auto"


def test_estimate_follows_the_chosen_parts():
    def minutes(*options):
        args = parse_args(["reproduce", "free-weights", *options])
        low, high = reproduce_free_weights.estimated_duration(args).split()[1].split("-")
        return int(low), int(high)

    everything, gaussians = minutes(), minutes("--parts", "gaussians")
    assert gaussians[0] < everything[0] and gaussians[1] < everything[1]
    tiny = parse_args(["reproduce", "free-weights", "--parts", "lines", *TINY])
    assert reproduce_free_weights.estimated_duration(tiny).startswith("under a minute")


def test_mccann_interpolant_ends_at_the_inputs_and_moves_along_the_plan():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(40, 2)), rng.normal(size=(40, 2)) + [5.0, 0.0]
    np.testing.assert_allclose(mccann_interpolant(a, b, 0.0), a)
    end = mccann_interpolant(a, b, 1.0)
    assert w2_squared(end, b) == pytest.approx(0.0, abs=1e-12)  # a permutation of b
    middle = mccann_interpolant(a, b, 0.5)
    # On a geodesic: W2(a, middle) = W2(middle, b) = W2(a, b) / 2.
    total = w2_squared(a, b)
    assert w2_squared(a, middle) == pytest.approx(total / 4, rel=1e-6)
    assert w2_squared(middle, b) == pytest.approx(total / 4, rel=1e-6)


def test_mixture_samples_come_from_the_inputs_in_proportion():
    rng = np.random.default_rng(0)
    measures = [np.zeros((1000, 2)), np.ones((1000, 2))]
    samples = mixture_samples(measures, np.array([0.8, 0.2]), rng)
    assert samples.shape == (1000, 2) and set(np.unique(samples)) == {0.0, 1.0}
    assert abs(samples[:, 0].mean() - 0.2) < 0.05


def test_exact_answer_draws_are_disjoint_subsamples_of_the_interpolant():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(40, 2)), rng.normal(size=(40, 2)) + 5
    draws = exact_answer_draws(a, b, 15, np.random.default_rng(1), n_draws=3)
    rows = {tuple(p) for p in a}
    pairs = draws(0.0)
    assert len(pairs) == 3
    for start, start_floor in pairs:
        assert len(start) == len(start_floor) == 15
        assert {tuple(p) for p in start} | {tuple(p) for p in start_floor} <= rows
        assert not {tuple(p) for p in start} & {tuple(p) for p in start_floor}
    assert {tuple(p) for p in pairs[0][0]} != {tuple(p) for p in pairs[1][0]}
    assert all({tuple(p) for p in end} <= {tuple(p) for p in b} for end, _ in draws(1.0))
    with pytest.raises(ValueError, match="at least 82 samples"):
        exact_answer_draws(a, b, 41, rng)


def test_closed_form_baseline_is_the_exact_bw2_uvp_of_the_fits_barycenter():
    means = np.zeros((3, 2))
    weights = np.array([0.5, 0.25, 0.25])
    mean, cov = gaussian_barycenter(means, reproduce_free_weights.C4_COVARIANCES, weights)
    exact_fits = SimpleNamespace(
        gaussian_means_=means, gaussian_covs_=reproduce_free_weights.C4_COVARIANCES
    )
    assert reproduce_free_weights._closed_form_uvp(exact_fits, weights, mean, cov) < 1e-9
    # every fitted mean off by (0.1, 0): the barycenter's mean too, W2^2 = 0.01
    shifted = SimpleNamespace(
        gaussian_means_=means + [0.1, 0.0], gaussian_covs_=exact_fits.gaussian_covs_
    )
    uvp = reproduce_free_weights._closed_form_uvp(shifted, weights, mean, cov)
    assert uvp == pytest.approx(100 * 0.01 / np.trace(cov), rel=1e-6)
