"""Side runs behind ``NeuralBarycenter(refine_push_forward=True)``.

Both use ``reproduce mixtures``' two measures, its split (seed 0) and its five reference
draws at one weight t, and print the push-forwards' W2^2 to the exact barycenter over
the floor (a second, disjoint draw of the exact answer), means over the draws:

``refinement --t 0.75 --atoms 4000 8000 --scaling 0.5 0.7 0.9 --blur 0.01 0.04 0.1``
    One default fit (seed 0; ``--n-epochs`` changes its length), then its push-forward
    of each measure's unseen samples by g's gradient alone, and followed by an entropic
    map from g's push-forward of ``--atoms`` training rows to as many generator samples
    (GeomLoss's ε-scaling ``--scaling``, ``--blur`` in standardised units), for every
    combination of the settings, with the seconds each map took.
``oracle --t 0.75 --atoms 4000 8000 --scaling 0.9``
    What the entropic map estimator can do with a perfect target: the map from
    ``--atoms`` training rows of each measure to a second exact answer from the same
    rows, applied to unseen samples (independent, and stratified: exactly a quarter from
    each of the measure's four clusters), with blur 0.05 in data units and GeomLoss's
    ε-scaling ``--scaling``.

``product``
    Beyond 2-D: ``fixed_point_rounds_side_runs.py``'s three measures on R^8 with
    independent non-Gaussian coordinates, whose barycenter's marginals are known. One
    default fit with ``refine_push_forward=True`` on 40000 samples per measure, then the
    mean per-axis W2-UVP % of each measure's 10000 unseen samples pushed by g's gradient
    and refined, beside the fit's samples and exact samples of the same size (the floor).

Run from the repository root with one thread, e.g.
``OMP_NUM_THREADS=1 python scripts/push_forward_refinement_side_runs.py refinement``.
"""

import argparse
import itertools
import time
from functools import partial

import numpy as np
import torch
from fixed_point_rounds_side_runs import per_axis_w2_uvp, product_measures
from sklearn.cluster import KMeans

from sklearn_wb import NeuralBarycenter
from sklearn_wb.commands import reproduce_mixtures
from sklearn_wb.commands._exact_ot import exact_answer_draws, mccann_path, w2_squared
from sklearn_wb.commands._report import n_epochs_option
from sklearn_wb.numerics import entropic_map_apply, entropic_map_potentials

PAGE = argparse.Namespace(samples_per_measure=20_000, eval_samples=3000, draws=5, seed=0)


def benchmark(t):
    """The training rows, the unseen samples per draw and measure, the reference draws
    and the mean floor of ``reproduce mixtures`` at weight t."""
    n, large = PAGE.eval_samples, reproduce_mixtures._reference_samples(PAGE)
    X, y, measures = reproduce_mixtures._split(2, PAGE)
    draws = list(
        exact_answer_draws(*(m[:large] for m in measures), n, np.random.default_rng(3), 5)(t)
    )
    rng = np.random.default_rng(1)
    unseen = [
        [m[rng.choice(np.arange(large, len(m)), n, replace=False)] for _ in draws] for m in measures
    ]
    floor = np.mean([w2_squared(second, exact) for exact, second in draws])
    return X, y, unseen, draws, floor


def over_floor(mapped, draws, floor):
    """Mean W2^2 of the mapped point sets to the draws' references, over the floor."""
    return np.mean([w2_squared(m, exact) for m, (exact, _) in zip(mapped, draws)]) / floor


def entropic_map(source, target, blur, scaling=0.7):
    source, target = (torch.as_tensor(a, dtype=torch.float32) for a in (source, target))
    potentials = entropic_map_potentials(source, target, blur, scaling)
    return lambda x: entropic_map_apply(
        torch.as_tensor(x, dtype=torch.float32), target, potentials, blur
    ).numpy()


def refinement(args):
    X, y, unseen, draws, floor = benchmark(args.t)
    model = NeuralBarycenter(
        weights=[1 - args.t, args.t], n_epochs=args.n_epochs, random_state=0, n_threads=1
    )
    start = time.perf_counter()
    model.fit(X, y)
    print(f"t {args.t}: n_epochs={args.n_epochs} fit {time.perf_counter() - start:.0f} s")
    pushed = [[model.push_forward(u, k) for u in unseen[k]] for k in (0, 1)]
    for k in (0, 1):
        print(f"t {args.t}: measure {k} g's gradient {over_floor(pushed[k], draws, floor):.2f}x")
    for atoms, scaling, blur in itertools.product(args.atoms, args.scaling, args.blur):
        target = model.sample(atoms, random_state=5)
        for k in (0, 1):
            start = time.perf_counter()
            source = model.push_forward(X[y == k][:atoms], k)
            correction = entropic_map(source, target, blur * model.scale_, scaling)
            seconds = time.perf_counter() - start
            refined = over_floor([correction(p) for p in pushed[k]], draws, floor)
            print(
                f"t {args.t}, {atoms} atoms, blur {blur}, scaling {scaling}: "
                f"measure {k} refined {refined:.2f}x ({seconds:.0f} s)",
                flush=True,
            )


def stratified(points, seed, n=3000):
    clusters = KMeans(4, n_init=4, random_state=0).fit(points[:4000]).predict(points)
    rng = np.random.default_rng(seed)
    return np.concatenate(
        [points[rng.choice(np.flatnonzero(clusters == c), n // 4, replace=False)] for c in range(4)]
    )


def oracle(args):
    X, y, unseen, draws, floor = benchmark(args.t)
    large = reproduce_mixtures._reference_samples(PAGE)
    _, _, measures = reproduce_mixtures._split(2, PAGE)
    balanced = [[stratified(m[large:], d) for d in range(len(draws))] for m in measures]
    for atoms in args.atoms:
        rows = [X[y == k][:atoms] for k in (0, 1)]
        answer = mccann_path(*rows)(args.t)
        for k in (0, 1):
            transport = entropic_map(rows[k], answer, blur=0.05, scaling=args.scaling)
            print(
                f"t {args.t}, {atoms} atoms, measure {k}: unseen "
                f"{over_floor(map(transport, unseen[k]), draws, floor):.2f}x, stratified "
                f"{over_floor(map(transport, balanced[k]), draws, floor):.2f}x",
                flush=True,
            )


def product(args):
    X, y, exact_quantiles = product_measures(seed=0)
    n_train = 40_000
    position = np.concatenate([np.arange(np.sum(y == k)) for k in np.unique(y)])
    train, unseen = position < n_train, position >= n_train
    model = NeuralBarycenter(random_state=0, n_threads=1, refine_push_forward=True)
    start = time.perf_counter()
    model.fit(X[train], y[train])
    print(f"8-d product: fit {time.perf_counter() - start:.0f} s (maps included)")
    plain = reproduce_mixtures._without_push_forward_refinement(model)
    n = int(unseen.sum() / 3)
    rng = np.random.default_rng(1)
    levels = (np.arange(len(exact_quantiles)) + 0.5) / len(exact_quantiles)
    exact = np.stack(
        [np.interp(rng.random(n), levels, column) for column in exact_quantiles.T], axis=1
    )
    score = partial(per_axis_w2_uvp, exact_quantiles=exact_quantiles)
    samples = model.sample(n, random_state=2)
    print(f"exact samples (floor) {score(exact):.4f} %, sample {score(samples):.4f} %")
    for k in range(3):
        rows = X[unseen & (y == k)]
        print(
            f"measure {k}: g's gradient {score(plain.push_forward(rows, k)):.4f} %, refined "
            f"{score(model.push_forward(rows, k)):.4f} %",
            flush=True,
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    refinement_parser = commands.add_parser("refinement")
    refinement_parser.add_argument("--t", type=float, default=0.75)
    refinement_parser.add_argument("--atoms", type=int, nargs="+", default=[8000])
    refinement_parser.add_argument("--n-epochs", type=n_epochs_option, default="auto")
    refinement_parser.add_argument("--blur", type=float, nargs="+", default=[0.04])
    refinement_parser.add_argument("--scaling", type=float, nargs="+", default=[0.7])
    oracle_parser = commands.add_parser("oracle")
    oracle_parser.add_argument("--t", type=float, default=0.75)
    oracle_parser.add_argument("--atoms", type=int, nargs="+", default=[4000, 8000])
    oracle_parser.add_argument("--scaling", type=float, default=0.9)
    commands.add_parser("product")
    args = parser.parse_args()
    torch.set_num_threads(1)
    {"refinement": refinement, "oracle": oracle, "product": product}[args.command](args)


if __name__ == "__main__":
    main()
