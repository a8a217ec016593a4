"""Importing the package prints nothing."""

import importlib.util
import os
import subprocess
import sys

import pytest


def _python(code, **env):
    """stdout and stderr of ``code`` run in a fresh interpreter, KEOPS_VERBOSE as given."""
    environ = {name: value for name, value in os.environ.items() if name != "KEOPS_VERBOSE"}
    run = subprocess.run(
        [sys.executable, "-c", code], env=environ | env, capture_output=True, text=True, check=True
    )
    return run.stdout, run.stderr


@pytest.mark.skipif(importlib.util.find_spec("pykeops") is None, reason="needs pykeops")
def test_import_is_silent_where_keops_would_warn():
    """KeOps warns on import wherever CUDA libraries are missing, and GeomLoss imports it.
    It still loads (GeomLoss's non-dense backends need it), and KEOPS_VERBOSE=1 wins."""
    code = "import sklearn_wb\nimport keopscore\nprint(keopscore.verbose, end='')"
    assert _python(code) == ("False", "")
    assert _python(code, KEOPS_VERBOSE="1")[0].endswith("True")
