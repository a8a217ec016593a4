"""Implementations of the ``python -m sklearn_wb`` commands, one module per command."""
