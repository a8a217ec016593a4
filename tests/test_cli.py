"""The command line explains itself: help, --list, the docs-table guard, headers, units.

Nothing here runs a benchmark."""

import sys

import pytest
from docutils.core import publish_doctree
from docutils.nodes import row

from sklearn_wb.__main__ import REPRODUCTIONS, main, parse_args, run_header
from sklearn_wb.commands import reproduce_grid
from sklearn_wb.commands._report import (
    format_time,
    plain_stdout_when_piped,
    rst_table,
    time_unit,
    write_rst,
)

COMMANDS = [["demo"]] + [["reproduce", name] for name in REPRODUCTIONS]


def _exit_output(capsys, argv):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    captured = capsys.readouterr()
    return exit_info.value.code, captured.out, captured.err


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_help_shows_description_options_and_defaults(capsys, command):
    code, out, _ = _exit_output(capsys, [*command, "--help"])
    assert code == 0
    assert "--output" in out and "--threads" in out and "(default: " in out
    paragraphs = out.split("\n\n")
    assert len(paragraphs[1].split()) > 5, "a description follows the usage"
    assert "``" not in out


def test_typo_shows_the_command_usage(capsys):
    code, _, err = _exit_output(capsys, ["reproduce", "grid", "--quik"])
    assert code == 2
    assert "reproduce grid" in err and "--quick" in err and "--quik" in err


def test_list_prints_one_line_per_benchmark(capsys):
    code, out, _ = _exit_output(capsys, ["reproduce", "--list"])
    lines = out.strip().splitlines()
    assert code == 0
    assert [line.split(":")[0] for line in lines] == list(REPRODUCTIONS)
    assert all(len(line.split(":", 1)[1].strip()) > 5 for line in lines)


@pytest.mark.parametrize("name", ["gaussians", "dimensions", "grid"])
def test_a_full_default_run_writes_the_docs_table(name):
    assert parse_args(["reproduce", name]).output == f"docs/benchmarks/{name}.rst"


@pytest.mark.parametrize(
    "options",
    [
        ["--quick"],
        ["--threads", "2"],
        ["--sizes", "64"],
        ["--quick", "--device", "auto"],
        ["--families", "contours"],
    ],
)
def test_a_non_default_run_does_not_write_the_docs_table(options):
    assert parse_args(["reproduce", "grid", *options]).output is None


@pytest.mark.parametrize("flag", ["--output", "--out"])
def test_an_explicit_output_is_written_by_any_run(tmp_path, flag):
    path = str(tmp_path / "grid.rst")
    assert parse_args(["reproduce", "grid", "--quick", flag, path]).output == path
    assert parse_args(["reproduce", "grid", "--quick", f"{flag}={path}"]).output == path
    docs = "docs/benchmarks/grid.rst"
    assert parse_args(["reproduce", "grid", "--quick", flag, docs]).output == docs


def test_the_demo_figure_is_not_a_docs_table():
    assert parse_args(["demo", "--seed", "3"]).output == "nwb_demo.png"


def test_write_rst_writes_a_path_and_skips_none(tmp_path, capsys):
    section = ("", ["a", "time (ms)"], [["x", "1.5"]])
    write_rst(None, "Title", "python -m sklearn_wb reproduce x", [section])
    assert "table not written: non-default run" in capsys.readouterr().out
    path = tmp_path / "page.rst"
    write_rst(path, "Title", "python -m sklearn_wb reproduce x", [section], notes=["A note."])
    assert "time (ms)" in path.read_text() and "A note." in path.read_text()


def test_a_table_row_with_a_blank_first_cell_stays_a_row():
    # in a simple RST table such a row would continue the one above (the accuracy tables)
    table = rst_table(["family", "method", "L1"], [["blobs", "ours", 0.1], ["", "POT", 0.2]])
    rows = publish_doctree(table).findall(row)
    assert [r.astext().split() for r in rows] == [
        ["family", "method", "L1"],
        ["blobs", "ours", "0.1"],
        ["POT", "0.2"],
    ]


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_header_names_the_run_device_threads_and_duration(command):
    args = parse_args(command)
    module = sys.modules[f"sklearn_wb.commands.{args.module}"]
    header = run_header(args, module)
    assert header.startswith(f"python -m sklearn_wb {' '.join(command)}: ")
    assert "Runs on cpu with" in header or "Runs on cuda with" in header
    assert "1 torch thread(s)" in header and "about " in header and " min" in header


def test_grid_estimate_follows_quick_and_the_chosen_families():
    options = [["--quick"], [], ["--families", "contours"]]
    quick, default, one_family = (parse_args(["reproduce", "grid", *o]) for o in options)
    estimate = reproduce_grid.estimated_duration
    assert estimate(quick) != estimate(default) != estimate(one_family)
    assert " s on one CPU thread" in estimate(quick) and " min" in estimate(default)


def test_grid_notes_an_accuracy_size_the_model_was_not_trained_at():
    assert reproduce_grid.training_size_note(64) is None
    note = reproduce_grid.training_size_note(32)
    assert "32^2" in note and "64^2" in note


def test_each_table_has_one_time_unit():
    assert time_unit([0.2, 30.0]) == ("s", 1.0)
    unit, scale = time_unit([1e-5, 0.004, 63.2])
    assert unit == "ms"
    assert [format_time(s, scale) for s in (1.11e-5, 0.00354, 63.2)] == ["0.0111", "3.54", "63,200"]


def test_grid_timing_table_uses_one_unit_and_ratios():
    rows = [{"predictor": 0.002, "POT": 0.5, "GeomLoss 10 steps": None}]
    headers, cells = reproduce_grid._timing_table([64], rows)
    assert headers == ["size", "predictor (ms)", "POT (ms)", "GeomLoss 10 steps (ms)"]
    assert cells == [["64^2", "2 (1x)", "500 (250x)", "skipped"]]


def test_colour_codes_are_dropped_when_stdout_is_not_a_terminal(capsys):
    with plain_stdout_when_piped():
        print("\x1b[32m0.5\x1b[0m  \x1b[35m0.25\x1b[0m")
    assert capsys.readouterr().out == "0.5  0.25\n"


def test_colour_codes_stay_on_a_terminal(monkeypatch, capsys):
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    with plain_stdout_when_piped():
        print("\x1b[32m0.5\x1b[0m")
    assert capsys.readouterr().out == "\x1b[32m0.5\x1b[0m\n"
