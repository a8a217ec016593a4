"""``reproduce grid``: the quick run end to end, and the targets table on made-up scores."""

import numpy as np

from sklearn_wb.__main__ import main
from sklearn_wb.commands import reproduce_grid


def test_quick_run_writes_every_family_method_and_target(tmp_path, monkeypatch, capsys):
    # ImagesBarycenter would compile KeOps kernels on a fresh machine (tens of seconds)
    monkeypatch.setattr(reproduce_grid, "_HAS_KEOPS", False)
    page = tmp_path / "grid.rst"
    main(["reproduce", "grid", "--quick", "--output", str(page), "--cache-dir", str(tmp_path)])
    text = page.read_text()
    for family in ["contours", "Gaussian blobs", "location-scale stars", "identical inputs"]:
        assert family in text
    for method in ["predictor", "ours reg=0.004", "POT debiased", "weighted mixture"]:
        assert method in text
    assert "(contour reference)" in text and "on stars)" in text
    assert "Targets (measured, not asserted)" in text and "32^2" in text
    assert "table written to" in capsys.readouterr().out


def _scores(l1, seconds):
    l1 = np.asarray(l1, dtype=float)
    return {"l1": l1, "kl": l1, "seconds": seconds}


def test_targets_count_problems_worse_than_the_mixture_and_speed_ratios():
    scores = {
        "predictor": _scores([0.1, 0.5], 0.001),
        "ours reg=0.004": _scores([0.1, 0.1], 0.01),
        "POT debiased": _scores([0.2, 0.2], 0.1),
        "weighted mixture": _scores([0.3, 0.3], 1e-5),
    }
    headers, [row] = reproduce_grid._targets_table({(64, "one-hot weights"): scores})
    assert len(headers) == len(row)
    assert row[2] == "0.300 vs 0.320: holds"  # 1.5 x 0.2 + 0.02
    assert row[3] == "1/2: fails"
    assert row[4] == "0.300: fails"
    assert row[5] == "100x: holds"
    assert row[6] == "10.0x, 0.100 vs 0.200: holds"
