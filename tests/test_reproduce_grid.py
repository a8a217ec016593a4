"""``reproduce grid``: the quick run end to end, every family's problems, and the targets
table on made-up scores."""

import inspect
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from sklearn_wb.__main__ import main
from sklearn_wb.commands import reproduce_grid
from sklearn_wb.numerics import grid_sinkhorn


def test_quick_run_writes_the_chosen_families_methods_and_targets(tmp_path, monkeypatch, capsys):
    # ImagesBarycenter would compile KeOps kernels on a fresh machine (tens of seconds)
    monkeypatch.setattr(reproduce_grid, "_HAS_KEOPS", False)
    page = tmp_path / "grid.rst"
    families = ["contours", "location_scale_stars", "identical_inputs"]
    argv = ["reproduce", "grid", "--quick", "--families", *families]
    main([*argv, "--output", str(page), "--cache-dir", str(tmp_path)])
    text = page.read_text()
    assert all(family in text for family in families)
    assert "\nfilled_shapes " not in text and "32^2  filled_shapes" not in text  # no rows
    methods = ["predictor", "ours reg=0.004", "POT debiased", "numpy arrays", "weighted mixture"]
    assert all(method in text for method in methods)
    assert "(reference solver)" in text and "to exact on location_scale_stars)" in text
    assert "moves " in text and "run to tol=1e-5 or 5000 iterations" in text  # convergence
    assert "predictor's network alone" in text  # predict returns the input on identical inputs
    assert "Targets (measured, not asserted)" in text and "32^2" in text
    assert "--families contours location_scale_stars identical_inputs" in text
    assert "table written to" in capsys.readouterr().out


def _mixture_reference(family):
    """A stand-in for the cached reference solver that checks it gets ``family``'s settings."""

    def reference(measures, weights, **settings):
        assert settings == reproduce_grid._reference_settings(family)
        return np.einsum("k,khw->hw", weights, measures), 0.5

    return reference


def test_near_uniform_references_run_tighter_than_the_others():
    near_uniform, contours = map(reproduce_grid._reference_settings, ["near_uniform", "contours"])
    assert near_uniform["tol"] < contours["tol"] == reproduce_grid._REFERENCE["tol"]
    assert reproduce_grid._reference_settings("near_uniform_products") == near_uniform
    assert reproduce_grid._tighter_settings("contours")["tol"] == contours["tol"] / 10


def test_the_reference_runs_on_the_runs_device_and_is_keyed_by_the_solvers_source(
    tmp_path, monkeypatch
):
    # a CUDA run, also on a machine without CUDA (where resolve_device would refuse it)
    monkeypatch.setattr(reproduce_grid, "resolve_device", torch.device)

    def args(device):
        return SimpleNamespace(cache_dir=str(tmp_path), device=device)

    digest = reproduce_grid._solver_digest()
    cpu = reproduce_grid._cached_reference(args("cpu"))
    assert cpu.keywords == {"solver_digest": digest}  # the solver's default device
    assert cpu.func.func is reproduce_grid._timed_reference
    gpu = reproduce_grid._cached_reference(args("cuda"))
    assert gpu.keywords == {"solver_digest": digest, "device": "cuda"}


@pytest.mark.parametrize(
    ("edit", "changes_the_key"),
    [
        (lambda source: source + "\nTOL = 1\n", True),
        (lambda source: source.replace("return", "return  # a comment", 1), False),
        (lambda source: source.replace('"""', '"""An edited docstring. ', 1), False),
        (lambda source: source.replace("def ", "def  ", 1), False),
    ],
    ids=["code", "comment", "docstring", "layout"],
)
def test_only_a_change_to_the_solvers_code_changes_the_reference_cache_key(
    monkeypatch, edit, changes_the_key
):
    digest = reproduce_grid._solver_digest()
    source = inspect.getsource
    patched = lambda module: edit(source(module)) if module is grid_sinkhorn else source(module)  # noqa: E731
    monkeypatch.setattr(reproduce_grid.inspect, "getsource", patched)
    assert (reproduce_grid._solver_digest() != digest) == changes_the_key


@pytest.mark.parametrize("family", reproduce_grid._FAMILIES)
def test_each_family_gives_held_out_problems_that_repeat_exactly(family):
    for index, k in enumerate([2, 3, 5, 2]):
        problem = reproduce_grid._problem(family, 32, index, _mixture_reference(family))
        again = reproduce_grid._problem(family, 32, index, _mixture_reference(family))
        assert problem["measures"].shape == (k, 32, 32) and problem["weights"].shape == (k,)
        assert np.allclose(problem["measures"].sum((1, 2)), 1) and np.isclose(
            problem["weights"].sum(), 1
        )
        assert problem["reference"].shape == (32, 32)
        for key, value in problem.items():  # the cache is keyed by the inputs
            np.testing.assert_array_equal(value, again[key])
    assert ("reference_solver" in problem) == (family in reproduce_grid._KNOWN_ANSWERS)


def test_families_option_rejects_an_unknown_name(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["reproduce", "grid", "--families", "contour"])
    assert exit_info.value.code == 2 and "filled_shapes" in capsys.readouterr().err


def _scores(l1, seconds):
    l1 = np.asarray(l1, dtype=float)
    return {"l1": l1, "kl": l1, "seconds": seconds}


def test_targets_count_problems_worse_than_the_mixture_and_speed_ratios():
    scores = {
        "predictor": _scores([0.1, 0.5], 0.001),
        "ours reg=0.004": _scores([0.1, 0.1], 0.01),
        "ours reg=0.004 tol=1e-2": _scores([0.3, 0.3], 0.001),
        "POT debiased": _scores([0.2, 0.2], 0.1),
        "weighted mixture": _scores([0.3, 0.3], 1e-5),
    }
    headers, [row] = reproduce_grid._targets_table({(64, "one_hot_weights"): scores})
    assert len(headers) == len(row)
    assert row[2] == "0.300 vs 0.320: holds"  # 1.5 x 0.2 + 0.02
    assert row[3] == "1/2: fails"
    assert row[4] == "0.300: fails"
    assert row[5] == "100x: holds"
    assert row[6] == "10.0x, 0.100 vs 0.200: holds"
    assert row[7] == "100.0x, 0.300 vs 0.200: fails"
    scores[reproduce_grid._NETWORK_NAME] = _scores([0.4, 0.2], 0.001)  # predict bypassed it
    _, [row] = reproduce_grid._targets_table({(64, "near_uniform"): scores})
    assert row[3] == "1/2 (network alone 1/2): fails"
