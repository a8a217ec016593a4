"""Command line: ``python -m sklearn_wb demo`` and ``python -m sklearn_wb reproduce NAME``."""

import argparse
import importlib

# Experiment name -> module in sklearn_wb.commands exposing add_arguments(parser) and run(args).
REPRODUCTIONS = {
    "gaussians": "reproduce_gaussians",
    "dimensions": "reproduce_dimensions",
    "mixtures": "reproduce_mixtures",
    "grid": "reproduce_grid",
}


def _command_module(name):
    return importlib.import_module(f"sklearn_wb.commands.{name}")


def build_parser():
    parser = argparse.ArgumentParser(prog="python -m sklearn_wb", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser("demo", help="fit the barycenter of the paper's four Gaussians")
    demo.set_defaults(module="demo")
    reproduce = commands.add_parser("reproduce", help="reproduce a paper experiment")
    experiments = reproduce.add_subparsers(dest="experiment", required=True)
    for experiment, module in REPRODUCTIONS.items():
        sub = experiments.add_parser(experiment)
        sub.set_defaults(module=module)
    return parser


def main(argv=None):
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    command = _command_module(args.module)
    command_parser = argparse.ArgumentParser(prog=f"python -m sklearn_wb {args.command}")
    command.add_arguments(command_parser)
    command.run(command_parser.parse_args(extra))


if __name__ == "__main__":
    main()
