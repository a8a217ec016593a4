"""``reproduce sharp`` and ``reproduce ring``: tiny runs end to end, the ring's data and mode
masses, the shared baselines, and the duration estimates."""

import numpy as np
import pytest

from sklearn_wb.__main__ import main, parse_args
from sklearn_wb.commands import reproduce_ring, reproduce_sharp
from sklearn_wb.commands._exact_ot import barycenter_cost, free_support_barycenter, w2_squared

SHARP_TINY = [
    "--samples-per-measure", "60",
    "--eval-samples", "20",
    "--n-epochs", "1",
    "--iterations-per-epoch", "2",
]  # fmt: skip
RING_TINY = [
    "--n-samples", "300",
    "--eval-samples", "100",
    "--n-epochs", "1",
    "--iterations-per-epoch", "2",
]  # fmt: skip


def _ring_page_checks(text):
    for row in [
        "second sample of the ring (floor)",
        "quasi-random sample of the ring (floor of sample()'s draws)",
        "/ quasi-random floor",
        "NeuralBarycenter sample",
        "NeuralBarycenter push_forward of a ring sample",
        "Gaussian fit of the ring",
        "Mass per mode",
        "all 10 modes hold 5-15 % of the mass",
    ]:
        assert row in text
    assert "reproduce ring --n-samples 300 --eval-samples 100" in text


def test_list_and_help_show_both_benchmarks(capsys):
    with pytest.raises(SystemExit):
        main(["reproduce", "--list"])
    out = capsys.readouterr().out
    assert "sharp:" in out and "Fig. 5" in out and "ring:" in out and "Fig. 10" in out
    with pytest.raises(SystemExit):
        main(["reproduce", "--help"])
    out = capsys.readouterr().out
    assert "sharp" in out and "ring" in out


def test_tiny_sharp_run_writes_costs_beside_pot_and_the_target(tmp_path, capsys):
    page = tmp_path / "sharp.rst"
    main(["reproduce", "sharp", *SHARP_TINY, "--output", str(page)])
    text = page.read_text()
    for row in [
        "NeuralBarycenter sample",
        "POT free-support",
        "plain mixture",
        "Gaussian-fit barycenter",
        "sampling noise",
        "NeuralBarycenter / POT free-support",
        "lines: cost",
        "ellipses: cost",
        "10 random lines (Fig. 5a): NeuralBarycenter cost <= POT free-support",
        "20 random ellipses (Fig. 5c): NeuralBarycenter cost <= POT free-support",
    ]:
        assert row in text
    assert "reproduce sharp --samples-per-measure 60 --eval-samples 20" in text
    out = capsys.readouterr().out
    assert "holds" in out or "fails" in out
    assert "table written to" in out


def test_sharp_docs_table_only_from_a_default_run():
    assert parse_args(["reproduce", "sharp"]).output == "docs/benchmarks/sharp.rst"
    assert parse_args(["reproduce", "sharp", "--families", "lines"]).output is None
    assert parse_args(["reproduce", "ring"]).output == "docs/benchmarks/ring.rst"
    assert parse_args(["reproduce", "ring", "--n-epochs", "1"]).output is None


def test_estimates_follow_the_families_and_sizes():
    def estimate(*argv):
        return reproduce_sharp.estimated_duration(parse_args(["reproduce", "sharp", *argv]))

    full, lines = estimate(), estimate("--families", "lines")
    assert full.startswith("about") and lines.startswith("about")
    assert int(full.split()[1].split("-")[1]) > int(lines.split()[1].split("-")[1])
    assert estimate(*SHARP_TINY).startswith("under a minute")
    ring = reproduce_ring.estimated_duration(parse_args(["reproduce", "ring"]))
    assert ring.startswith("about")
    tiny = reproduce_ring.estimated_duration(parse_args(["reproduce", "ring", *RING_TINY]))
    assert tiny.startswith("under a minute")


def test_tiny_ring_run_writes_mode_masses_and_the_target(tmp_path):
    page = tmp_path / "ring.rst"
    main(["reproduce", "ring", *RING_TINY, "--output", str(page)])
    _ring_page_checks(page.read_text())


def test_ring_has_ten_evenly_filled_modes():
    centres = reproduce_ring.ring_centres()
    assert centres.shape == (10, 2)
    np.testing.assert_allclose(np.linalg.norm(centres, axis=1), reproduce_ring.RING_RADIUS)
    X, modes = reproduce_ring.make_ring(20_000, random_state=0)
    np.testing.assert_array_equal(reproduce_ring.nearest_mode(X, centres), modes)
    masses = reproduce_ring.mode_masses(X, centres)
    assert masses.sum() == pytest.approx(100) and np.all(np.abs(masses - 10) < 1)
    # Within three standard deviations: 1 - exp(-9 / 2) = 98.9 % of exact samples.
    assert reproduce_ring.on_mode_mass(X, centres) == pytest.approx(98.9, abs=0.3)


def test_quasi_random_ring_samples_give_every_mode_its_share_and_a_lower_floor():
    centres = reproduce_ring.ring_centres()
    X, modes = reproduce_ring.make_ring(2000, random_state=0, quasi_random=True)
    assert np.all(np.abs(np.bincount(modes, minlength=10) - 200) <= 1)  # Sobol: +-1
    assert reproduce_ring.on_mode_mass(X, centres) == pytest.approx(98.9, abs=0.3)
    again, _ = reproduce_ring.make_ring(2000, random_state=0, quasi_random=True)
    np.testing.assert_array_equal(X, again)
    # W2^2 to a held-out sample: independent draws add their own sampling noise (at 500
    # points about 0.04-0.16 against 0.05 for quasi-random ones)
    reference, _ = reproduce_ring.make_ring(500, random_state=1)
    scores = {
        kind: np.mean(
            [
                w2_squared(
                    reproduce_ring.make_ring(500, random_state=seed, quasi_random=kind)[0],
                    reference,
                )
                for seed in range(2, 6)
            ]
        )
        for kind in (False, True)
    }
    assert scores[True] < 0.8 * scores[False]


def test_mode_masses_see_a_dropped_mode():
    centres = reproduce_ring.ring_centres()
    X, modes = reproduce_ring.make_ring(5000, random_state=1)
    masses = reproduce_ring.mode_masses(X[modes != 3], centres)
    assert masses[3] == 0 and masses.sum() == pytest.approx(100)


def test_barycenter_cost_and_free_support_of_identical_measures():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(60, 2))
    b = a + [3.0, 0.0]
    assert barycenter_cost(a, [a, b], [1.0, 0.0]) == pytest.approx(0.0, abs=1e-12)
    assert barycenter_cost(a, [a, b], [0.5, 0.5]) == pytest.approx(4.5)
    # The barycenter of identical measures is that measure.
    support = free_support_barycenter([a, a, a], np.full(3, 1 / 3), rng)
    assert support.shape == a.shape
    assert barycenter_cost(support, [a], [1.0]) < 1e-8
