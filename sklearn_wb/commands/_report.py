"""Tables for the terminal and for docs/benchmarks/*.rst."""

import argparse
import contextlib
import os
import platform
import re
import sys
from datetime import date
from pathlib import Path

import torch

from .. import NeuralBarycenter
from .._defaults import training_schedule


def format_table(headers, rows):
    """Plain-text table with columns padded to their widest cell."""
    cells = [list(map(str, headers))] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths)) for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def rst_table(headers, rows):
    """A simple RST table, columns padded to their widest cell."""
    cells = [list(map(str, headers))] + [[str(c) for c in row] for row in rows]
    # a row whose first cell is blank would continue the row above: an empty comment
    cells[1:] = [[row[0] or "..", *row[1:]] for row in cells[1:]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    rule = "  ".join("=" * w for w in widths)
    body = ["  ".join(c.ljust(w) for c, w in zip(row, widths)) for row in cells]
    return "\n".join([rule, body[0], rule, *body[1:], rule])


# NeuralBarycenter's training schedule ("auto" epochs: by dimension).
_SCHEDULE_DEFAULTS = {
    key: NeuralBarycenter().get_params()[key] for key in ("n_epochs", "iterations_per_epoch")
}


def positive_int(text):
    """argparse type: an integer of at least 1, or a usage error naming the value."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def add_run_arguments(parser, page, seed=True):
    """``--threads``, ``--seed`` (unless ``seed=False``) and ``--output``, the page
    ``docs/benchmarks/{page}.rst`` by default, that every reproduce command takes."""
    parser.add_argument("--threads", type=int, default=1, help="torch threads")
    if seed:
        parser.add_argument("--seed", type=int, default=0, help="seeds data, fits and sampling")
    parser.add_argument(
        "--output",
        default=f"docs/benchmarks/{page}.rst",
        help="page to write; runs with other options write it only where given",
    )


def n_epochs_option(text):
    """argparse type: "auto" or a positive integer."""
    return text if text == "auto" else positive_int(text)


def add_schedule_arguments(parser, fits, n_epochs=_SCHEDULE_DEFAULTS["n_epochs"]):
    """``--n-epochs`` (default ``n_epochs``, NeuralBarycenter's; "auto" is accepted only
    where it is the default, as FreeWeightBarycenter has none) and
    ``--iterations-per-epoch`` of ``fits``."""
    parser.add_argument(
        "--n-epochs",
        type=n_epochs_option if n_epochs == "auto" else positive_int,
        default=n_epochs,
        help=f"epochs of {fits}",
    )
    parser.add_argument(
        "--iterations-per-epoch",
        type=int,
        default=_SCHEDULE_DEFAULTS["iterations_per_epoch"],
        help=f"outer iterations per epoch of {fits}",
    )


def schedule_scale(args, dim, n_measures):
    """Outer iterations of the run's NeuralBarycenter fits of ``n_measures`` measures on
    R^dim over a default fit's."""
    default_epochs = training_schedule(dim, n_measures)["n_epochs"]
    n_epochs = default_epochs if args.n_epochs == "auto" else args.n_epochs
    default = default_epochs * _SCHEDULE_DEFAULTS["iterations_per_epoch"]
    return n_epochs * args.iterations_per_epoch / default


def schedule_description(args):
    """ "default parameters", or which schedule parameters the run changed."""
    if (args.n_epochs, args.iterations_per_epoch) == tuple(_SCHEDULE_DEFAULTS.values()):
        return "default parameters"
    return (
        f"default parameters except n_epochs={args.n_epochs}, "
        f"iterations_per_epoch={args.iterations_per_epoch}"
    )


def command_line(name, add_arguments, args):
    """The command line of a run: ``python -m sklearn_wb reproduce NAME`` and the options
    that differ from their defaults (``--output`` aside), for the page's header."""
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    options = []
    for option, default in vars(parser.parse_args([])).items():
        value = getattr(args, option)
        if option != "output" and value != default:
            values = value if isinstance(value, list) else [value]
            options.append(" ".join([f"--{option.replace('_', '-')}", *map(str, values)]))
    return " ".join(["python -m sklearn_wb reproduce", name, *options])


def minutes_estimate(low_seconds, high_seconds, where="on one CPU thread"):
    """A duration range for run headers: "about 8-12 min on one CPU thread", or "under a
    minute ..." when even the high end is."""
    if high_seconds < 60:
        return f"under a minute {where}"
    low, high = f"{max(low_seconds, 60) / 60:.0f}", f"{high_seconds / 60:.0f}"
    return f"about {low if low == high else f'{low}-{high}'} min {where}"


def machine_description(threads):
    if torch.cuda.is_available():
        device = torch.cuda.get_device_name()
    else:
        device = f"{platform.machine()} CPU with {os.cpu_count()} cores"
    return f"{device}, {threads} torch thread(s), torch {torch.__version__}"


def time_unit(seconds):
    """One unit for all the times of a table: ``("s", 1.0)``, or ``("ms", 1e-3)`` where the
    shortest is under 0.1 s."""
    return ("s", 1.0) if min(seconds) >= 0.1 else ("ms", 1e-3)


def format_time(seconds, scale):
    """A time in the table's unit: three significant digits, whole numbers from 100 on."""
    value = seconds / scale
    return f"{value:,.0f}" if value >= 100 else f"{value:.3g}"


class _PlainText:
    """Text stream that drops ANSI colour codes (skorch's epoch table colours the best loss)."""

    _ANSI = re.compile(r"\x1b\[[0-9;]*m")

    def __init__(self, stream):
        self._stream = stream

    def write(self, text):
        return self._stream.write(self._ANSI.sub("", text))

    def __getattr__(self, name):
        return getattr(self._stream, name)


@contextlib.contextmanager
def plain_stdout_when_piped():
    """Strip ANSI colour codes from stdout unless it is a terminal. skorch's PrintLog has no
    colour switch (its ``tablefmt`` does not affect them), so the commands filter stdout."""
    stream = sys.stdout if sys.stdout.isatty() else _PlainText(sys.stdout)
    with contextlib.redirect_stdout(stream):
        yield


def write_rst(path, title, command, sections, notes=()):
    """Write a benchmark page: the command, then one table per (heading, headers, rows).

    ``path=None`` (a non-default run without ``--output``) writes nothing and says so.
    """
    if path is None:
        print("table not written: non-default run (pass --output to write it)")
        return
    lines = [
        title,
        "=" * len(title),
        "",
        f"Measured on {date.today()} with::",
        "",
        f"    {command}",
        "",
    ]
    for note in notes:
        lines += [note, ""]
    for heading, headers, rows in sections:
        if heading:
            lines += [heading, "-" * len(heading), ""]
        lines += [rst_table(headers, rows), ""]
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines))
    print(f"table written to {path}")
