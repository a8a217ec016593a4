"""Side runs: how long a default 2-D NeuralBarycenter fit of many measures needs to be.

On ``reproduce sharp``'s families (the 10 random lines or the 20 random ellipses) or on 20
random Gaussian mixtures of 2-4 modes (``mixtures``, not affine images of each other),
20000 training samples per measure, costs against 2000 held-out samples per measure, as
there, one torch thread:

- ``--epochs``: one fit per value of ``n_epochs``, one after the other. Printed: fit and
  training seconds, outer iterations per second, the sample's barycenter cost and the
  push-forward costs of held-out samples of measures 0-3 (a map that lands on the
  barycenter scores about the sample's cost).
- ``--guess-levels``: the sample's cost (3 draws) and the seconds of a fit of one outer
  iteration (so mostly the first guess) with the free-support guess's coarse levels run
  for at most these rounds (comma-separated, coarsest first; "20" is two levels, 1000
  then 2000 atoms, "20,6" three, 500, 1000 and 2000), the last level taking its one
  round. The plan budgets are lifted, so on the 20 ellipses "20,6" runs up to 20 and 6
  rounds where the default allows 10 and 3: pass "10,3" for the default there. In 2-D
  the sample is the generator's start, so training does not change it.

Measured on 2026-12-05, two jobs at a time on the 2-core machine; the lines' and
ellipses' ``--epochs`` runs with the two-level guess of then, the mixtures' with three:

- ``lines --epochs 6 12``: fit 102.2 s against 163.1 s, training 58.3 s against 121.3 s
  (10.28 and 9.89 outer iterations per second), sample cost 1.2289 for both,
  push-forward costs 1.2755 / 1.2477 / 1.3477 / 1.2507 against 1.2817 / 1.2522 /
  1.3210 / 1.2500.
- ``ellipses --epochs 3 6``: fit 82.6 s against 125.8 s, training 49.8 s against
  95.5 s, sample cost 0.7155 for both, push-forward costs 0.7138 / 0.7139 / 0.7134 /
  0.7137 against 0.7137 / 0.7137 / 0.7136 / 0.7132.
- ``mixtures --epochs 3 6`` (beside a CI run): fit 93.3 s against 155.1 s, sample cost
  5.0837 for both, push-forward costs 5.1627 / 5.1703 / 5.1726 / 5.1561 against
  5.1277 / 5.1445 / 5.1102 / 5.1067.
- ``lines --guess-levels 20,6 20``: three levels 1.2289 / 1.2292 / 1.2299 in 29.9 s,
  two 1.2289 / 1.2288 / 1.2295 in 40.3 s (POT's free-support barycenter 1.2288).
- ``ellipses --guess-levels 10,3 10`` (an equivalent side run): three levels 0.7129 /
  0.7136 / 0.7148 in 33.3 s, two 0.7155 / 0.7146 / 0.7136 in 31.3 s (POT 0.7126).
- Earlier on 2026-12-05, with 12 epochs up to 10 measures and 120 // n_measures beyond,
  ``ellipses --epochs auto 12``: 6 epochs against 12, fit 145.1 s against 248.1 s,
  push-forward costs 0.7132-0.7137 against 0.7132-0.7138.

    python scripts/many_measures_fit_side_runs.py lines --epochs 6 12
    python scripts/many_measures_fit_side_runs.py lines --guess-levels 20,6 20
"""

import argparse
import time

import numpy as np
import torch

from sklearn_wb import NeuralBarycenter, _defaults
from sklearn_wb.commands._exact_ot import barycenter_cost
from sklearn_wb.commands.reproduce_sharp import FAMILIES, family_split, split_measures

TRAIN, EVAL = 20_000, 2000


def random_mixtures_split(n_measures=20, seed=0):
    """20 random 2-D Gaussian mixtures of 2-4 modes (centres in [-4, 4]^2, scales 0.3-1):
    measures that are not affine images of each other, unlike the lines and ellipses."""
    rng = np.random.default_rng(seed)
    n = TRAIN + 2 * EVAL
    per_measure = []
    for _ in range(n_measures):
        n_modes = rng.integers(2, 5)
        centres = rng.uniform(-4, 4, size=(n_modes, 2))
        scales = rng.uniform(0.3, 1.0, size=n_modes)
        mode = rng.integers(n_modes, size=n)
        per_measure.append(centres[mode] + scales[mode, None] * rng.standard_normal((n, 2)))
    return split_measures(per_measure, TRAIN, EVAL)


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


def guess_run(level_rounds, data):
    X, y, _, evaluation, weights = data
    # Plan budgets that let every coarse level run its rounds.
    levels = tuple((rounds, rounds * len(weights)) for rounds in level_rounds)
    saved = dict(_defaults.FREE_SUPPORT_GUESS)
    _defaults.FREE_SUPPORT_GUESS["coarse_levels"] = levels
    try:
        start = time.perf_counter()
        model = NeuralBarycenter(
            n_epochs=1, iterations_per_epoch=1, random_state=0, n_threads=1
        ).fit(X, y)
        seconds = time.perf_counter() - start
    finally:
        _defaults.FREE_SUPPORT_GUESS.update(saved)
    costs = [
        barycenter_cost(model.sample(EVAL, random_state=r), evaluation, weights) for r in (2, 3, 4)
    ]
    print(
        f"coarse rounds {list(level_rounds)}: fit {seconds:.1f} s, sample cost (3 draws) "
        + " ".join(f"{c:.4f}" for c in costs),
        flush=True,
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("family", choices=[*FAMILIES, "mixtures"])
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--epochs", nargs="+", help='n_epochs values ("auto" or integers)')
    group.add_argument(
        "--guess-levels",
        nargs="+",
        help='most rounds of the coarse levels, coarsest first, comma-separated: "20,6"',
    )
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    if args.family == "mixtures":
        data = random_mixtures_split()
    else:
        data = family_split(args.family, TRAIN, EVAL, seed=0)
    for value in args.epochs or []:
        epoch_run(value if value == "auto" else int(value), data)
    for levels in args.guess_levels or []:
        guess_run([int(rounds) for rounds in levels.split(",")], data)


if __name__ == "__main__":
    main()
