"""``reproduce mixtures``: the two-measure table averages its scores over reference draws."""

import argparse
import time

import numpy as np
import pytest

from sklearn_wb import NeuralBarycenter
from sklearn_wb.__main__ import main
from sklearn_wb.commands import reproduce_mixtures


def _tiny_fit(X, y, params):
    start = time.perf_counter()
    model = NeuralBarycenter(**params, n_epochs=1, iterations_per_epoch=2, batch_size=16)
    return model.fit(X, y), time.perf_counter() - start


def test_two_measure_scores_are_means_over_the_draws(monkeypatch):
    monkeypatch.setattr(reproduce_mixtures, "_fit", _tiny_fit)
    args = argparse.Namespace(samples_per_measure=90, eval_samples=20, draws=3, seed=0)
    headers, rows = reproduce_mixtures._two_measure_table(args, {"random_state": 0})
    assert headers[1:4] == ["t = 0.25", "t = 0.5", "t = 0.75"]
    names = [row[0] for row in rows]
    assert names[:3] == [
        "second draw of the exact answer (floor)",
        "quasi-random draw of the exact answer (floor of sample()'s draws)",
        "NeuralBarycenter sample",
    ]
    assert "POT free-support" in names and "plain mixture" in names
    ratios = [name for name in names if " / " in name]
    assert ratios == [
        "NeuralBarycenter sample / floor",
        "POT free-support / floor",
        "NeuralBarycenter sample / quasi-random floor",
        "POT free-support / quasi-random floor",
    ]
    scores = {row[0]: row for row in rows if row[0] not in ratios}
    for row in scores.values():
        for cell in row[1:4]:
            mean, spread = map(float, cell.split(" ± "))
            assert mean > 0 and spread >= 0
    means = {
        name: [float(cell.split(" ± ")[0]) for cell in row[1:4]] for name, row in scores.items()
    }
    sample_over_quasi = rows[names.index("NeuralBarycenter sample / quasi-random floor")][1:4]
    expected = np.array(means["NeuralBarycenter sample"]) / np.array(
        means["quasi-random draw of the exact answer (floor of sample()'s draws)"]
    )
    np.testing.assert_allclose(
        [float(cell[:-2]) for cell in sample_over_quasi], expected, rtol=0.02
    )
    # POT's atoms are one answer scored against three references: they still differ.
    pot = rows[names.index("POT free-support")]
    assert all(float(cell.split(" ± ")[1]) > 0 for cell in pot[1:4])


def test_draws_must_be_positive(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["reproduce", "mixtures", "--draws", "0"])
    assert exit_info.value.code == 2 and "must be at least 1, got 0" in capsys.readouterr().err


def test_three_measure_table_has_a_floor_and_means_over_the_draws(monkeypatch):
    monkeypatch.setattr(reproduce_mixtures, "_fit", _tiny_fit)
    args = argparse.Namespace(samples_per_measure=90, eval_samples=20, draws=3, seed=0)
    headers, rows = reproduce_mixtures._three_measure_table(args, {"random_state": 0})
    names = [row[0] for row in rows]
    assert names[:4] == [
        "draw of a near-exact answer (floor)",
        "independent draws of a near-exact answer",
        "NeuralBarycenter sample",
        "POT free-support",
    ]
    for row in rows:
        mean, spread = map(float, row[1].split(" ± "))
        assert mean > 0 and spread >= 0
    assert float(rows[2][2]) >= 0  # the fit time sits in NeuralBarycenter's row
    # The floors and the samples are redrawn for each draw; POT's atoms are one answer
    # scored against the same evaluation samples.
    spreads = {row[0]: float(row[1].split(" ± ")[1]) for row in rows}
    assert spreads["draw of a near-exact answer (floor)"] > 0
    assert spreads["independent draws of a near-exact answer"] > 0
    assert spreads["NeuralBarycenter sample"] > 0
    assert spreads["POT free-support"] == 0


def test_evaluation_samples_must_leave_room_for_the_answers():
    with pytest.raises(ValueError, match="2 x --eval-samples"):
        main(["reproduce", "mixtures", "--samples-per-measure", "100", "--eval-samples", "60"])
