"""Side runs: how long a default 2-D NeuralBarycenter fit of many measures needs to be.

On ``reproduce sharp``'s families (the 10 random lines or the 20 random ellipses, 20000
training samples per measure, costs against 2000 held-out samples per measure, as there),
one torch thread:

- ``--epochs``: one fit per value of ``n_epochs``, one after the other. Printed: fit and
  training seconds, outer iterations per second, the sample's barycenter cost and the
  push-forward costs of held-out samples of measures 0-3 (a map that lands on the
  barycenter scores about the sample's cost).
- ``--guess-rounds``: the sample's cost (3 draws) after at most that many coarse rounds of
  the free-support first guess (then its one fine round). In 2-D the sample is the
  generator's start, so these fits train for one outer iteration only.

Measured on 2026-12-05 (a machine 1.3-1.7x slower than the day before):

- 20 ellipses, ``--epochs auto 12``, with the first guess of then (3 rounds of 2000
  atoms): 6 epochs against 12, fit 145.1 s against 248.1 s, training 101.6 s against
  206.0 s (5.91 and 5.83 outer iterations per second), sample cost 0.7153 for both,
  push-forward costs 0.7132-0.7137 against 0.7132-0.7138.
- The coarse-to-fine guess, 20 coarse rounds at most (an equivalent side run): the lines'
  sample 1.2289 / 1.2288 / 1.2295 (POT's free-support barycenter 1.2288), the ellipses'
  0.7155 / 0.7146 / 0.7136 (POT 0.7126).

    python scripts/many_measures_fit_side_runs.py ellipses --epochs auto 12
    python scripts/many_measures_fit_side_runs.py lines --guess-rounds 1 5 20
"""

import argparse
import time

import torch

from sklearn_wb import NeuralBarycenter, _defaults
from sklearn_wb.commands._exact_ot import barycenter_cost
from sklearn_wb.commands.reproduce_sharp import FAMILIES, family_split

TRAIN, EVAL = 20_000, 2000


def epoch_run(n_epochs, data):
    X, y, inputs, evaluation, weights = data
    start = time.perf_counter()
    model = NeuralBarycenter(n_epochs=n_epochs, random_state=0, n_threads=1).fit(X, y)
    fit = time.perf_counter() - start
    training = sum(row["dur"] for row in model.history_)
    iterations = len(model.history_) * model.iterations_per_epoch
    sample = barycenter_cost(model.sample(EVAL, random_state=2), evaluation, weights)
    pushed = [
        barycenter_cost(model.push_forward(inputs[i], i), evaluation, weights) for i in range(4)
    ]
    print(
        f"n_epochs {n_epochs} ({len(model.history_)} epochs): fit {fit:.1f} s, training "
        f"{training:.1f} s ({iterations / training:.2f} outer iterations/s), sample cost "
        f"{sample:.4f}, push-forward costs " + " ".join(f"{c:.4f}" for c in pushed),
        flush=True,
    )


def guess_run(rounds, data):
    X, y, _, evaluation, weights = data
    plans = rounds * len(weights)  # a budget that lets ``rounds`` coarse rounds run
    guess = {**_defaults.FREE_SUPPORT_GUESS, "coarse_rounds": rounds, "max_coarse_plans": plans}
    saved = dict(_defaults.FREE_SUPPORT_GUESS)
    _defaults.FREE_SUPPORT_GUESS.update(guess)
    try:
        start = time.perf_counter()
        model = NeuralBarycenter(n_epochs=1, iterations_per_epoch=1, random_state=0).fit(X, y)
        seconds = time.perf_counter() - start
    finally:
        _defaults.FREE_SUPPORT_GUESS.update(saved)
    costs = [
        barycenter_cost(model.sample(EVAL, random_state=r), evaluation, weights) for r in (2, 3, 4)
    ]
    print(
        f"{rounds} rounds: start {seconds:.1f} s, sample cost (3 draws) "
        + " ".join(f"{c:.4f}" for c in costs),
        flush=True,
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("family", choices=list(FAMILIES))
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--epochs", nargs="+", help='n_epochs values ("auto" or integers)')
    group.add_argument("--guess-rounds", nargs="+", type=int)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    data = family_split(args.family, TRAIN, EVAL, seed=0)
    for value in args.epochs or []:
        epoch_run(value if value == "auto" else int(value), data)
    for rounds in args.guess_rounds or []:
        guess_run(rounds, data)


if __name__ == "__main__":
    main()
