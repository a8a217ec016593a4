"""Tables for the terminal and for docs/benchmarks/*.rst."""

import os
import platform
from datetime import date
from pathlib import Path

import torch


def format_table(headers, rows):
    """Plain-text table with columns padded to their widest cell."""
    cells = [list(map(str, headers))] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths)) for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _rst_table(headers, rows):
    cells = [list(map(str, headers))] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    rule = "  ".join("=" * w for w in widths)
    body = ["  ".join(c.ljust(w) for c, w in zip(row, widths)) for row in cells]
    return "\n".join([rule, body[0], rule, *body[1:], rule])


def machine_description(threads):
    if torch.cuda.is_available():
        device = torch.cuda.get_device_name()
    else:
        device = f"{platform.machine()} CPU with {os.cpu_count()} cores"
    return f"{device}, {threads} torch thread(s), torch {torch.__version__}"


def write_rst(path, title, command, sections, notes=()):
    """Write a benchmark page: the command, then one table per (heading, headers, rows)."""
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
        lines += [_rst_table(headers, rows), ""]
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines))
    print(f"table written to {path}")
