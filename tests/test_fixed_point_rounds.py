"""The fixed-point rounds' schedule and the potentials they use."""

import types

import pytest
import torch
from torch import nn

from sklearn_wb.deep.fixed_point import FixedPointRounds


class RecordingNet:
    """Stand-in for an NWB net: f's weight is the outer iteration count, and each round
    records when it ran, the weight of the potentials it was given and its step."""

    def __init__(self, total_iterations):
        self.max_epochs, self.iterator_train__n_batches = 1, total_iterations
        self.module_ = types.SimpleNamespace(f=nn.Linear(1, 1, bias=False))
        self.rounds = []

    def set_iteration(self, count):
        with torch.no_grad():
            self.module_.f.weight.fill_(count)

    def fixed_point_round(self, n_steps, lr, potentials, step):
        self.rounds.append((self.iteration, potentials.weight.item(), step))


def run_rounds(period, total_iterations, full_share=1.0):
    net = RecordingNet(total_iterations)
    callback = FixedPointRounds(period, 1, 1e-2, full_share)
    callback.on_train_begin(net)
    for count in range(1, total_iterations + 1):
        net.iteration = count
        net.set_iteration(count)
        callback.on_batch_end(net, training=True)
    return net.rounds


def test_rounds_use_the_potentials_averaged_over_their_period():
    # f's weight is the iteration count, so the average over iterations 1 to 10 is 5.5.
    rounds = [(10, 5.5, 1.0), (20, 15.5, 1.0), (30, 25.5, 1.0)]
    assert run_rounds(period=10, total_iterations=35) == rounds
    # No round less than half a period before the end.
    assert run_rounds(period=10, total_iterations=34) == rounds[:2]


@pytest.mark.parametrize("total_iterations", [8, 9])
def test_short_fits_get_rounds_every_half_of_their_length(total_iterations):
    # Period 4: iterations 1 to 4 are averaged.
    assert run_rounds(period=100, total_iterations=total_iterations) == [(4, 2.5, 1.0)]


@pytest.mark.parametrize(
    ("full_share", "steps"),
    [(0.5, [1, 1, 1, 1 / 2, 1 / 3]), (0.2, [1, 1 / 2, 1 / 3, 1 / 4, 1 / 5]), (1.0, [1] * 5)],
)
def test_rounds_after_the_full_share_average_their_targets(full_share, steps):
    # 5 rounds; the full ones are the share rounded up, then steps 1/2, 1/3, ...
    rounds = run_rounds(period=10, total_iterations=55, full_share=full_share)
    assert [step for _, _, step in rounds] == pytest.approx(steps)
