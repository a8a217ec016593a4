import pytest

from sklearn_wb.plotting import FAST_MODE_VARIABLE, docs_fast_mode


@pytest.mark.parametrize(
    ("value", "fast"), [(None, False), ("", False), ("0", False), ("1", True), ("yes", True)]
)
def test_docs_fast_mode_reads_the_environment(monkeypatch, value, fast):
    if value is None:
        monkeypatch.delenv(FAST_MODE_VARIABLE, raising=False)
    else:
        monkeypatch.setenv(FAST_MODE_VARIABLE, value)
    assert docs_fast_mode() is fast
