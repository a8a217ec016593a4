"""``reproduce gaussians``: the iteration-speed table runs on a default-configured model."""

from sklearn_wb import NeuralBarycenter
from sklearn_wb.commands import reproduce_gaussians
from sklearn_wb.numerics import random_gaussians, sample_gaussians


def test_iteration_speeds_resolve_the_auto_batch_size():
    X, y = sample_gaussians(*random_gaussians(2, 2, random_state=0), 100, random_state=0)
    model = NeuralBarycenter(
        potential_hidden_sizes=(4,), n_epochs=1, iterations_per_epoch=1, random_state=0
    ).fit(X, y)
    assert model.batch_size == "auto"
    rows = reproduce_gaussians._iteration_speeds(model, X, y, n_iterations=1)
    assert [row[0] for row in rows] == ["per-measure loop (before)", "batched potentials (after)"]
    assert all(float(row[1]) > 0 for row in rows)
