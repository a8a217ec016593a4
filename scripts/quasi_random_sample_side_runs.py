"""Side runs behind quasi-random ``NeuralBarycenter.sample`` and the pooled first guess.

Each run prints barycenter costs sum_i a_i W2^2(estimate, mu_i) of 2000-point estimates
against held-out samples (``reproduce sharp``'s three-way split), beside POT's
free-support barycenter in the same run:

``sampler FAMILY``
    One default fit (seed 0) of ``lines``, ``ellipses`` or ``mixtures`` (the three
    measures of ``reproduce mixtures``), then five draws of ``sample`` with
    ``quasi_random=False`` and five with the default quasi-random latents.
``pooled --seeds 0 1 2 --blocks 1 4 8``
    The three mixtures: the first guess with its last level pooled over that many blocks,
    the generator's mixture fitted to the pooled atoms, and the mean cost of five
    quasi-random draws of that mixture.
``pushforward --t 0.75 --blocks 4``
    ``reproduce mixtures``' two-measure table at one weight (its split, seed 0 and five
    draws) with the first guess pooled over that many blocks; ``--n-epochs``,
    ``--n-inner-g`` and ``--width`` (of the potentials) change the default fit.
``second-answer``
    The same references against the floor and against subsamples of a second exact
    answer, from 8000 of the training samples per measure: what a perfect estimator from
    independent data scores.

Run from the repository root with one thread, e.g.
``OMP_NUM_THREADS=1 python scripts/quasi_random_sample_side_runs.py sampler ellipses``.
"""

import argparse
import time

import numpy as np
import torch

from sklearn_wb import NeuralBarycenter, _defaults, neural_barycenter
from sklearn_wb._barycenter_init import free_support_guess, latent_mixture
from sklearn_wb.commands import reproduce_mixtures
from sklearn_wb.commands._exact_ot import (
    barycenter_cost,
    exact_answer_draws,
    free_support_barycenter,
    mccann_path,
    w2_squared,
)
from sklearn_wb.commands._report import format_table
from sklearn_wb.commands.reproduce_sharp import family_split, split_measures
from sklearn_wb.deep.generator import affine_mixture, latent_draws, pick_components
from sklearn_wb.numerics import make_gaussian_mixtures

N_EVAL = 2000
N_TRAIN = 20_000
N_DRAWS = 5


def split(family, seed):
    if family == "mixtures":
        X, y = make_gaussian_mixtures(3, N_TRAIN + 2 * N_EVAL, random_state=seed)
        return split_measures([X[y == k] for k in range(3)], N_TRAIN, N_EVAL)
    return family_split(family, N_TRAIN, N_EVAL, seed)


def pot_cost(inputs, evaluation, weights, seed):
    atoms = free_support_barycenter(inputs, weights, np.random.default_rng(seed + 1))
    return barycenter_cost(atoms, evaluation, weights)


def sampler(args):
    X, y, inputs, evaluation, weights = split(args.family, 0)
    start = time.perf_counter()
    model = NeuralBarycenter(random_state=0, n_threads=1, verbose=0).fit(X, y)
    print(f"{args.family}: fit {time.perf_counter() - start:.1f} s", flush=True)
    print(f"{args.family}: POT {pot_cost(inputs, evaluation, weights, 0):.4f}", flush=True)
    for draw in range(N_DRAWS):
        costs = [
            barycenter_cost(model.sample(N_EVAL, 2 + draw, quasi_random), evaluation, weights)
            for quasi_random in (False, True)
        ]
        print(f"{args.family}: draw {draw} independent {costs[0]:.4f} quasi-random {costs[1]:.4f}")


def recorded_guess_arguments(X, y, seed):
    """The arguments of the first guess of a default fit (trained for two iterations)."""
    calls = []

    def spy(Z, labels, weights, start, level_rounds, rng, pooled_rounds):
        calls.append((Z, labels, weights, start, level_rounds, rng.bit_generator.state))
        return free_support_guess(Z, labels, weights, start, level_rounds, rng, pooled_rounds)

    neural_barycenter.free_support_guess = spy
    try:
        params = dict(n_epochs=1, iterations_per_epoch=2, verbose=0, n_threads=1)
        model = NeuralBarycenter(random_state=seed, **params).fit(X, y)
    finally:
        neural_barycenter.free_support_guess = free_support_guess
    return model, calls[0]


def mixture_draw(components, seed):
    """N_EVAL quasi-random draws of a Gaussian mixture (the generator's affine part)."""
    shifts, scales, probabilities = (torch.as_tensor(c, dtype=torch.float32) for c in components)
    noise, uniform = latent_draws(N_EVAL, shifts.shape[1], seed, "cpu")
    cumulative = torch.cumsum(probabilities, 0) / probabilities.sum()
    return affine_mixture(noise, pick_components(cumulative, uniform), shifts, scales).numpy()


def pooled(args):
    for seed in args.seeds:
        X, y, inputs, evaluation, weights = split("mixtures", seed)
        model, (Z, labels, w, start, level_rounds, state) = recorded_guess_arguments(X, y, seed)
        row = [f"seed {seed}: POT {pot_cost(inputs, evaluation, weights, seed):.4f}"]
        for blocks in args.blocks:
            rng = np.random.default_rng()
            rng.bit_generator.state = state
            begin = time.perf_counter()
            atoms = free_support_guess(Z, labels, w, start, level_rounds, rng, blocks)
            components = latent_mixture(atoms, "auto", seed)
            seconds = time.perf_counter() - begin
            costs = [
                barycenter_cost(
                    model._unstandardise(mixture_draw(components, draw)), evaluation, weights
                )
                for draw in range(N_DRAWS)
            ]
            row.append(
                f"{blocks} blocks {np.mean(costs):.4f} ({min(costs):.4f}-{max(costs):.4f}, "
                f"{seconds:.0f} s)"
            )
        print("; ".join(row), flush=True)


def mixtures_page_args():
    return argparse.Namespace(samples_per_measure=N_TRAIN, eval_samples=3000, draws=5, seed=0)


def pushforward(args):
    _defaults.FREE_SUPPORT_GUESS["pooled_rounds"] = (args.blocks, 12)
    reproduce_mixtures._TWO_MEASURE_WEIGHTS = (args.t,)
    params = dict(n_components="auto", random_state=0, verbose=0, n_threads=1)
    params.update(n_epochs=args.n_epochs, n_inner_g=args.n_inner_g)
    if args.width:
        params["potential_hidden_sizes"] = (args.width, args.width)
    headers, rows = reproduce_mixtures._two_measure_table(mixtures_page_args(), params)
    print(format_table(headers, rows), flush=True)


def second_answer(args):
    page = mixtures_page_args()
    n, large = page.eval_samples, reproduce_mixtures._reference_samples(page)
    X, y, (first, second) = reproduce_mixtures._split(2, page)
    draws = exact_answer_draws(
        first[:large], second[:large], n, np.random.default_rng(page.seed + 3), page.draws
    )
    other = mccann_path(X[y == 0][:large], X[y == 1][:large])
    rng = np.random.default_rng(7)
    for t in (0.25, 0.5, 0.75):
        points = other(t)
        floor, independent = [], []
        for exact, second_draw in draws(t):
            floor.append(w2_squared(second_draw, exact))
            independent.append(w2_squared(points[rng.choice(large, n, replace=False)], exact))
        print(f"t = {t}: floor {np.mean(floor):.4f}, second answer {np.mean(independent):.4f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    sampler_parser = commands.add_parser("sampler")
    sampler_parser.add_argument("family", choices=["lines", "ellipses", "mixtures"])
    pooled_parser = commands.add_parser("pooled")
    pooled_parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    pooled_parser.add_argument("--blocks", type=int, nargs="+", default=[1, 4, 8])
    pushforward_parser = commands.add_parser("pushforward")
    pushforward_parser.add_argument("--t", type=float, default=0.75)
    pushforward_parser.add_argument("--blocks", type=int, default=4)
    pushforward_parser.add_argument("--n-epochs", default="auto")
    pushforward_parser.add_argument("--n-inner-g", default="auto")
    pushforward_parser.add_argument("--width", type=int, default=0)
    commands.add_parser("second-answer")
    args = parser.parse_args()
    for name in ("n_epochs", "n_inner_g"):
        value = getattr(args, name, "auto")
        if value != "auto":
            setattr(args, name, int(value))
    torch.set_num_threads(1)
    runs = {"sampler": sampler, "pooled": pooled, "pushforward": pushforward}
    runs["second-answer"] = second_answer
    runs[args.command](args)


if __name__ == "__main__":
    main()
