"""Command line: ``python -m sklearn_wb demo`` and ``python -m sklearn_wb reproduce NAME``."""

import argparse
import importlib
import inspect
import re
import sys
from pathlib import Path

from .commands._report import plain_stdout_when_piped
from .numerics._device import resolve_device

# Experiment name -> module in sklearn_wb.commands exposing add_arguments(parser) and run(args),
# and optionally estimated_duration(args).
REPRODUCTIONS = {
    "gaussians": "reproduce_gaussians",
    "dimensions": "reproduce_dimensions",
    "mixtures": "reproduce_mixtures",
    "grid": "reproduce_grid",
    "free-weights": "reproduce_free_weights",
    "sharp": "reproduce_sharp",
    "ring": "reproduce_ring",
}
DOCS_TABLES = Path("docs/benchmarks")  # committed tables: only default runs rewrite them


def _command_module(name):
    return importlib.import_module(f"sklearn_wb.commands.{name}")


def _paragraphs(module):
    """The docstring's paragraphs, each on one line, without RST roles and backticks."""
    text = re.sub(r":\w+:`([^`]*)`", r"\1", inspect.cleandoc(module.__doc__)).replace("``", "")
    return [" ".join(paragraph.split()) for paragraph in text.split("\n\n")]


def summary(module):
    """The docstring's first line without its leading command, e.g. 'two Gaussian mixtures'."""
    return re.sub(r"^python -m sklearn_wb [\w ]+: ", "", _paragraphs(module)[0])


def description(module):
    """The summary and the docstring's next paragraph, as one paragraph for --help."""
    text = " ".join([summary(module), *_paragraphs(module)[1:2]])
    return text[0].upper() + text[1:]


class _CommandParser(argparse.ArgumentParser):
    """Reports unknown options itself, with a usage that lists the command's options (argparse
    leaves them to the top-level parser, whose usage shows none)."""

    def parse_known_args(self, args=None, namespace=None):
        namespace, extras = super().parse_known_args(args, namespace)
        if extras:
            self.error(f"unrecognized arguments: {' '.join(extras)}")
        return namespace, extras


class _ListBenchmarks(argparse.Action):
    """``reproduce --list``: print each benchmark with its summary and exit, like --version."""

    def __init__(self, option_strings, dest, **kwargs):
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser, namespace, values, option_string=None):
        width = max(map(len, REPRODUCTIONS)) + 1
        for name, module in REPRODUCTIONS.items():
            print(f"{name + ':':<{width}} {summary(_command_module(module))}")
        parser.exit()


def _add_command(subparsers, name, module_name):
    module = _command_module(module_name)
    command = subparsers.add_parser(
        name,
        help=summary(module),
        description=description(module),
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    module.add_arguments(command)
    command.set_defaults(module=module_name)


def build_parser():
    parser = argparse.ArgumentParser(prog="python -m sklearn_wb", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_CommandParser)
    _add_command(commands, "demo", "demo")
    reproduce = commands.add_parser(
        "reproduce",
        help="reproduce a paper experiment and write its table to docs/benchmarks/",
        description="Reproduce a paper experiment. A full default run rewrites its table in "
        "docs/benchmarks/; other runs write one only where --output says.",
    )
    reproduce.add_argument("--list", action=_ListBenchmarks, help="list the benchmarks and exit")
    experiments = reproduce.add_subparsers(
        dest="experiment", required=True, metavar="NAME", parser_class=_CommandParser
    )
    for name, module in REPRODUCTIONS.items():
        _add_command(experiments, name, module)
    return parser


def _output_given(argv):
    """Whether argv sets --output (argparse also takes a unique prefix such as --out)."""
    flags = (token.split("=")[0] for token in argv if token.startswith("--"))
    return any(len(flag) > 2 and "--output".startswith(flag) for flag in flags)


def parse_args(argv):
    """Parsed arguments; ``output`` is None where the run must not rewrite a committed table."""
    parser = build_parser()
    args = parser.parse_args(argv)
    path = [args.command] + ([args.experiment] if args.command == "reproduce" else [])
    defaults = parser.parse_args(path)
    writes_docs = Path(getattr(defaults, "output", "")).parent == DOCS_TABLES
    if writes_docs and vars(args) != vars(defaults) and not _output_given(argv):
        args.output = None
    return args


def run_header(args, module):
    """What the command runs, where, with how many threads, and about how long it takes."""
    name = " ".join(["python -m sklearn_wb", args.command, getattr(args, "experiment", "") or ""])
    device = resolve_device(getattr(args, "device", "auto"))
    estimate = getattr(module, "estimated_duration", None)
    duration = estimate(args) if estimate else "duration not estimated"
    return (
        f"{name.strip()}: {summary(module)}\n"
        f"Runs on {device} with {args.threads} torch thread(s); {duration}."
    )


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else list(argv))
    command = _command_module(args.module)
    print(run_header(args, command), flush=True)
    with plain_stdout_when_piped():
        command.run(args)


if __name__ == "__main__":
    main()
