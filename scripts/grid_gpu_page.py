"""Merge per-family ``reproduce grid`` pages into one page, docs/benchmarks/grid_gpu.rst.

scripts/grid_gpu_run.sh runs ``python -m sklearn_wb reproduce grid --sizes 512 --n-problems 2
--families FAMILY --device cuda`` on a GPU machine, one process per family, and appends each
page it writes to one file. This script reads such pages (a file may hold several, one after
the other) and writes one page: the command, the machine and the note once, then one targets
table, one table of the time per barycenter by family and one accuracy table, with every page's
rows in the order given and their cells as written.

    python scripts/grid_gpu_page.py PAGE.rst [PAGE.rst ...] [--output PATH]
"""

import argparse
import re
import textwrap
from pathlib import Path

from sklearn_wb.commands._report import rst_table

TITLE = "Grid barycenters at 512^2 on a GPU"
PAGE_TITLE = re.compile(r"^Grid barycenters \(DCNN paper\)\n=+\n", re.MULTILINE)
HEADING = re.compile(r"^(.+)\n-+\n", re.MULTILINE)
TIMES = "Mean time per barycenter over all families (in brackets: times slower than the predictor)"
ACCURACY = "Accuracy at 512^2"
TARGETS = "Targets (measured, not asserted)"


def parse_table(text):
    """(headers, rows) of a simple RST table with one header line, cells stripped."""
    lines = [line for line in text.splitlines() if line.strip()]
    spans = [[m.start(), m.end()] for m in re.finditer("=+", lines[0])]
    spans[-1][1] = None  # the last column's text may run past its border
    cells = [[line[start:end].strip() for start, end in spans] for line in lines]
    for row in cells:
        row[0] = "" if row[0] == ".." else row[0]  # rst_table's empty comment: a blank cell
    return cells[1], cells[3:-1]


def parse_page(text):
    """A page's date, command, Machine paragraph, Note and {heading: (headers, rows)}."""
    preamble, *sections = HEADING.split(text)
    date, command = re.search(r"Measured on (\S+) with::\n\n +(.+)", preamble).groups()
    paragraphs = preamble.split("\n\n")
    tables = {h: parse_table(body) for h, body in zip(sections[::2], sections[1::2])}
    if set(tables) != {TIMES, ACCURACY, TARGETS}:
        raise SystemExit(f"expected the tables {[TIMES, ACCURACY, TARGETS]}, got {list(tables)}")
    return {
        "date": date,
        "command": command,
        "machine": next(p for p in paragraphs if p.startswith("Machine:")).strip(),
        "note": next(p for p in paragraphs if p.startswith("Note:")).strip(),
        "tables": tables,
    }


def family(command):
    """The one family a page's command names with --families."""
    names = re.search(r"--families (.+?)(?: --|$)", command).group(1).split()
    if len(names) != 1:
        raise SystemExit(f"expected one family per page, got {names} in: {command}")
    return names[0]


def single(values, what):
    """The one value that ``values`` all share, else a clear error."""
    distinct = list(dict.fromkeys(map(str, values)))
    if len(distinct) != 1:
        raise SystemExit(f"the pages differ in their {what}:\n" + "\n".join(distinct))
    return values[0]


def merged_table(pages, heading):
    """One page's column headers and all pages' rows of the table under ``heading``."""
    headers = single([page["tables"][heading][0] for page in pages], f"'{heading}' columns")
    return headers, [row for page in pages for row in page["tables"][heading][1]]


def section(heading, *blocks):
    return "\n\n".join([f"{heading}\n{'-' * len(heading)}", *blocks])


def measured(pages):
    """ "Measured on DATE with::" and the command, FAMILY in place of each page's family."""
    families = [family(page["command"]) for page in pages]
    if len(set(families)) != len(families):
        raise SystemExit(f"a family has several pages (a stale page appended twice?): {families}")
    commands = [
        page["command"].replace(f"--families {name}", "--families FAMILY")
        for page, name in zip(pages, families)
    ]
    dates = sorted({page["date"] for page in pages})
    when = dates[0] if len(dates) == 1 else f"{dates[0]} to {dates[-1]}"
    comment = textwrap.wrap(
        f"one process per family (scripts/grid_gpu_run.sh), FAMILY: {', '.join(families)}", 88
    )
    block = [f"    # {line}" for line in comment] + [f"    {single(commands, 'commands')}"]
    return f"Measured on {when} with::\n\n" + "\n".join(block)


def time_table(pages):
    """The mean-time tables' one row per page, after the page's family."""
    headers, rows = merged_table(pages, TIMES)
    if len(rows) != len(pages):
        raise SystemExit(f"expected one row in each {TIMES!r} table")
    families = [family(page["command"]) for page in pages]
    return rst_table(["family", *headers], [[f, *row] for f, row in zip(families, rows)])


def merged_page(pages):
    blocks = [
        f"{TITLE}\n{'=' * len(TITLE)}",
        measured(pages),
        single([page["machine"] for page in pages], "Machine paragraphs"),
        single([page["note"] for page in pages], "notes"),
        section(TARGETS, rst_table(*merged_table(pages, TARGETS))),
        section(
            "Time per barycenter by family",
            "In brackets: times slower than the predictor.",
            time_table(pages),
        ),
        section(ACCURACY, rst_table(*merged_table(pages, ACCURACY))),
    ]
    return "\n\n".join(blocks) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pages", nargs="+", type=Path, help="files of reproduce grid pages")
    parser.add_argument("--output", type=Path, default=Path("docs/benchmarks/grid_gpu.rst"))
    args = parser.parse_args()
    pages = [
        parse_page(text)
        for path in args.pages
        for text in PAGE_TITLE.split(path.read_text())
        if text.strip()
    ]
    args.output.write_text(merged_page(pages))
    print(f"{len(pages)} pages merged into {args.output}")


if __name__ == "__main__":
    main()
