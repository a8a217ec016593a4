"""Sphinx configuration for sklearn_wb (builds offline).

Build with ``python -m sphinx -b html docs docs/_build/html`` from the repository root.
API pages are generated into ``gen_modules/`` and the example gallery into
``auto_examples/`` (both git-ignored).
"""

import importlib
import os
import re
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS.parent))  # the package, when it is not installed
os.environ.setdefault("MPLBACKEND", "Agg")

import sklearn_wb  # noqa: E402

project = "sklearn-wb"
author = "sklearn-wb developers"
copyright = "2026, sklearn-wb developers"
release = sklearn_wb.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    # Serves MathJax 3 from _static/mathjax (copied from the package) instead of a CDN, so
    # formulas render offline.
    "sphinx-mathjax-offline",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

templates_path = ["_templates"]
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store"]
root_doc = "index"
default_role = "literal"

# -- API pages ---------------------------------------------------------------------------
autosummary_generate = True
autodoc_member_order = "bysource"
autodoc_typehints = "none"  # numpydoc sections carry the types
numpydoc_show_class_members = False  # the class template lists methods; avoids duplicates
numpydoc_class_members_toctree = False

# -- Gallery -----------------------------------------------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",  # run every plot_*.py
    "doc_module": ("sklearn_wb",),
    "backreferences_dir": "gen_modules/backreferences",
    "reference_url": {"sklearn_wb": None},
    "remove_config_comments": True,
    "within_subsection_order": "FileNameSortKey",
    "show_memory": False,
    "write_computation_times": False,  # would leave an untracked docs/sg_execution_times.rst
}

# -- HTML --------------------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"sklearn-wb {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
}
html_sidebars = {"index": [], "user_guide": []}
html_show_sourcelink = False


# -- API entries that are not there yet --------------------------------------------------
# api.rst lists objects other engineers are still adding. Entries that do not import are
# dropped from the page (with a note) instead of breaking the table and its toctree.
_ENTRY = re.compile(r"^(\s+)(~?)([A-Za-z_][\w.]*)\s*$")


def _importable(name):
    module, _, attribute = name.rpartition(".")
    try:
        return hasattr(importlib.import_module(module), attribute)
    except ImportError:
        return False


def _drop_missing_api_entries(app, docname, source):
    if docname != "api":
        return
    current_module, missing, lines = "sklearn_wb", [], []
    for line in source[0].splitlines():
        if line.startswith(".. currentmodule::"):
            current_module = line.split("::", 1)[1].strip()
        match = _ENTRY.match(line)
        if match and not line.lstrip().startswith(":"):
            name = match.group(3)
            full = name if name.startswith("sklearn_wb") else f"{current_module}.{name}"
            if not _importable(full):
                missing.append(full)
                continue
        lines.append(line)
    if missing:
        listed = ", ".join(f"``{name}``" for name in missing)
        lines += ["", ".. note::", "", f"   Not available in this build yet: {listed}.", ""]
    source[0] = "\n".join(lines)


def _skip_metadata_request_methods(app, what, name, obj, skip, options):
    # scikit-learn adds set_{fit,predict,score,...}_request methods to estimators; their
    # docstrings point into scikit-learn's own docs and say nothing specific here.
    if name.startswith("set_") and name.endswith("_request"):
        return True
    return None


def setup(app):
    app.connect("source-read", _drop_missing_api_entries)
    app.connect("autodoc-skip-member", _skip_metadata_request_methods)
