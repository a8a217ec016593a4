"""``python -m sklearn_wb reproduce mixtures``: mixture barycenters (NWB paper, Figs. 4, 9).

Two measures (Fig. 4): the barycenter with weights (1 - t, t) is McCann's interpolant of
their optimal transport plan, so POT's exact solver on samples gives the answer, here
from 8000 samples per measure. For t = 0.25, 0.5 and 0.75 the table reports W2^2 to a
subsample of it (the reference) from NeuralBarycenter's samples, from its
``push_forward`` of each measure (by g's gradient, the default, and with
``refine_push_forward=True``'s entropic maps, from one fit with them), from POT's
free-support barycenter, the plain mixture and the Gaussian fit, beside two floors: a
second, disjoint subsample of the exact answer, what a perfect sampler of independent
points scores, and the floor that applies to ``NeuralBarycenter.sample``, which draws
quasi-randomly by default: a quasi-random draw of the exact answer, McCann's interpolant
of the exact plan between quasi-random draws of the two measures
(:func:`._exact_ot.quasi_random_answer`, which on closed forms scores as quasi-random
draws of the exact answer do). Rows of ratios set the sample and POT's atoms over each.
With 3000 points one such figure is mostly sampling noise (the mass of each far-apart
cluster fluctuates), so each is a mean over ``--draws`` reference draws (5 by default)
with the draws' standard deviation, and every estimate but POT's (one solve) is redrawn
for each; still, read the estimates side by side.

Three measures (Fig. 9) have no closed form: the table reports the barycenter cost
sum_i a_i W2^2(estimate, mu_i), exact between samples (lower is better; the barycenter
minimises it), for the same estimates, as means over the draws. Its floor is what
draws of a near-exact answer score: the free-support fixed point with exact plans on
8000 samples per measure (:func:`._exact_ot.exact_plan_barycenter`), subsampled. A
subsample without replacement holds each mode's mass more closely than independent
samples do, so a second row draws with replacement: what a perfect sampler of independent
points scores (``NeuralBarycenter.sample`` draws quasi-random points by default, which
hold each mode's mass closely too). POT's atoms are optimised points, not samples, and can
score below both.
"""

import copy
import time
from collections import defaultdict

import numpy as np
import torch

from .. import NeuralBarycenter
from ..numerics import make_gaussian_mixtures
from ._exact_ot import (
    FREE_SUPPORT_ITERATIONS,
    REFERENCE_SAMPLES,
    barycenter_cost,
    exact_answer_draws,
    exact_plan_barycenter,
    free_support_barycenter,
    mixture_samples,
    quasi_random_answer,
    reference_samples,
    unseen_split,
    w2_squared,
)
from ._report import (
    add_run_arguments,
    format_table,
    machine_description,
    positive_int,
    write_rst,
)

_TWO_MEASURE_WEIGHTS = (0.25, 0.5, 0.75)
_FLOOR = "second draw of the exact answer (floor)"
_QUASI_RANDOM_FLOOR = "quasi-random draw of the exact answer (floor of sample()'s draws)"
_SAMPLE = "NeuralBarycenter sample"
_POT = "POT free-support"
_THREE_MEASURE_FLOOR = "draw of a near-exact answer (floor)"
_THREE_MEASURE_INDEPENDENT = "independent draws of a near-exact answer"


def add_arguments(parser):
    parser.add_argument(
        "--samples-per-measure", type=int, default=20_000, help="training samples per measure"
    )
    parser.add_argument(
        "--eval-samples", type=int, default=3000, help="samples per W2 (exact OT is cubic)"
    )
    parser.add_argument(
        "--draws",
        type=positive_int,
        default=5,
        help="reference draws per weight: each score is a mean over them, with its spread",
    )
    parser.add_argument("--n-components", default="auto", help="NeuralBarycenter n_components")
    add_run_arguments(parser, "mixtures")


def estimated_duration(args):
    """Four fits of 30-60 s on one CPU thread, idle to busy machine (the three
    two-measure ones with about a minute more for their entropic push-forward maps), POT's
    free-support barycenters, exact W2 at 3000 samples (8 per reference draw and weight,
    18 per draw for three measures), an exact plan between 3000 quasi-random samples per
    draw, one between 8000 samples (about a minute) and the three-measure floor's fixed
    point with exact plans between 8000 samples (8 iterations of three plans, 7 min
    beside other jobs). With 5 draws the run took 18 min beside a CI run, 37 min beside
    another benchmark and a documentation build."""
    return f"about {16 + args.draws} to {21 + args.draws} min on one CPU thread"


def run(args):
    if _reference_samples(args) < 2 * args.eval_samples:
        raise ValueError(
            f"reproduce mixtures needs min(--samples-per-measure, {REFERENCE_SAMPLES}) >= 2 x "
            "--eval-samples (the exact answer, from as many samples, gives a reference and a "
            f"disjoint floor), got {args.samples_per_measure} and {args.eval_samples}."
        )
    torch.set_num_threads(args.threads)
    n_components = args.n_components if args.n_components == "auto" else int(args.n_components)
    params = dict(
        n_components=n_components, random_state=args.seed, verbose=0, n_threads=args.threads
    )
    headers, two = _two_measure_table(args, params)
    print(format_table(headers, two))
    three_headers, three = _three_measure_table(args, params)
    print(format_table(three_headers, three))
    write_rst(
        args.output,
        "Gaussian mixtures (NWB paper, Figs. 4 and 9)",
        "python -m sklearn_wb reproduce mixtures",
        [
            ("Two measures: W2^2 to the exact barycenter", headers, two),
            ("Three measures: barycenter cost (lower is better)", three_headers, three),
        ],
        notes=[
            f"Machine: {machine_description(args.threads)}. NeuralBarycenter with default "
            f"parameters except n_components={args.n_components}, trained on "
            f"{args.samples_per_measure} samples per measure that nothing else uses; the "
            "two-measure fits with refine_push_forward=True (their fit time includes it), "
            "whose push_forward rows without it come from the same fit. Two "
            "measures: uniform mixtures of four unit Gaussians (square and diamond); the "
            "exact barycenter is McCann's interpolant of POT's exact plan between "
            f"{_reference_samples(args)} further samples of each measure; the reference is "
            "a subsample of it, the floor a second, disjoint one (what a perfect sampler "
            "of independent points scores). NeuralBarycenter's sample draws "
            "quasi-randomly by default: the floor that applies to it is a quasi-random "
            "draw of the exact answer, McCann's interpolant of the exact plan between "
            f"quasi-random draws of {args.eval_samples} points of each measure (a new "
            "draw for each reference draw; on closed forms, the lines and two Gaussians, "
            "it scores as quasi-random draws of the exact answer do: "
            "scripts/quasi_random_floor_side_runs.py); ratios are of the means. Each "
            "figure is the mean over "
            f"{args.draws} such pairs, ± the draws' standard deviation, with the estimates "
            "redrawn for each (POT's atoms are one solve), from samples the exact answer "
            f"did not use ({args.eval_samples} per draw). Three measures: the "
            "paper's 4-, 3- and 3-component mixtures, uniform weights; costs against the "
            "first unseen samples of each measure, means over the draws; the floor draws "
            "from the free-support fixed point with exact plans on the next "
            f"{_reference_samples(args)} "
            "samples of each measure (a near-exact answer) without replacement, the "
            "independent draws with replacement, POT's free-support barycenter "
            "and the plain mixture use the last ones. POT free-support: "
            f"{FREE_SUPPORT_ITERATIONS} iterations, as many atoms as evaluation samples, "
            "started from the plain mixture. All W2^2 by POT's exact solver.",
        ],
    )


def _split(n_measures, args):
    """Training rows and labels (``--samples-per-measure`` per measure), and per measure
    the benchmark's own samples, which the fit never sees: a large block for the exact
    or near-exact answer (REFERENCE_SAMPLES at most), then two of ``--eval-samples``."""
    n_unseen = _reference_samples(args) + 2 * args.eval_samples
    return unseen_split(
        make_gaussian_mixtures, n_measures, args.samples_per_measure, n_unseen, args.seed
    )


def _reference_samples(args):
    """Samples per measure of the exact (two measures) or near-exact (three) answer."""
    return reference_samples(args.samples_per_measure)


def _two_measure_table(args, params):
    n = args.eval_samples
    X, y, (first, second) = _split(2, args)
    rng = np.random.default_rng(args.seed + 1)
    large = _reference_samples(args)  # the samples after it stay unseen
    draws = exact_answer_draws(
        first[:large], second[:large], n, np.random.default_rng(args.seed + 3), args.draws
    )
    quasi_random_answers = [
        quasi_random_answer(make_gaussian_mixtures, n, args.seed + 10 + draw)
        for draw in range(args.draws)
    ]
    headers = ["estimate", *(f"t = {t}" for t in _TWO_MEASURE_WEIGHTS), "fit s"]
    columns = []
    for t in _TWO_MEASURE_WEIGHTS:
        weights = np.array([1 - t, t])
        model, seconds = _fit(X, y, dict(params, weights=weights, refine_push_forward=True))
        plain = _without_push_forward_refinement(model)
        # POT's atoms are one answer, from the last n samples; the others are redrawn.
        pot = free_support_barycenter([first[-n:], second[-n:]], weights, rng)
        scores = defaultdict(list)
        for draw, (exact, floor) in enumerate(draws(t)):
            unseen = [rng.choice(len(m) - large, n, replace=False) + large for m in (first, second)]
            estimates = {
                _FLOOR: floor,
                _QUASI_RANDOM_FLOOR: quasi_random_answers[draw](t),
                _SAMPLE: model.sample(n, random_state=args.seed + 2 + draw),
                **_push_forwards(model, plain, [first[unseen[0]], second[unseen[1]]]),
                _POT: pot,
                "plain mixture": mixture_samples([first[-n:], second[-n:]], weights, rng),
                "Gaussian-fit barycenter": rng.multivariate_normal(
                    model.gaussian_mean_, model.gaussian_cov_, n
                ),
            }
            for name, samples in estimates.items():
                scores[name].append(w2_squared(samples, exact))
        columns.append((scores, seconds))
    rows = [
        [name, *(_mean_and_spread(scores[name]) for scores, _ in columns), ""]
        for name in columns[0][0]
    ]
    rows[2][-1] = " / ".join(f"{seconds:.0f}" for _, seconds in columns)  # the sample's row
    return headers, rows + _floor_ratio_rows([scores for scores, _ in columns])


def _floor_ratio_rows(columns):
    """The sample's and POT's mean W2^2 over each floor's, per weight."""
    return [
        [
            f"{name} / {label}",
            *(f"{np.mean(scores[name]) / np.mean(scores[floor]):.2f} x" for scores in columns),
            "",
        ]
        for floor, label in ((_FLOOR, "floor"), (_QUASI_RANDOM_FLOOR, "quasi-random floor"))
        for name in (_SAMPLE, _POT)
    ]


def _without_push_forward_refinement(model):
    """The same fit, mapping by g's gradient alone: the default ``push_forward``."""
    plain = copy.copy(model)
    del plain.push_forward_atoms_, plain.push_forward_potentials_, plain.push_forward_blur_
    return plain


def _push_forwards(model, plain, unseen):
    """Each measure's unseen samples pushed by g's gradient (the default) and with the
    entropic refinement (``refine_push_forward=True``)."""
    pushed = {}
    for kind, fitted in (("", plain), (" (refine_push_forward)", model)):
        for k, samples in enumerate(unseen):
            pushed[f"NeuralBarycenter push_forward{kind}, measure {k}"] = fitted.push_forward(
                samples, k
            )
    return pushed


def _mean_and_spread(values):
    """Mean over the draws, and their standard deviation when there are several."""
    if len(values) == 1:
        return f"{values[0]:.4f}"
    return f"{np.mean(values):.4f} ± {np.std(values, ddof=1):.4f}"


def _three_measure_table(args, params):
    n = args.eval_samples
    X, y, measures = _split(3, args)
    weights = np.full(3, 1 / 3)
    rng = np.random.default_rng(args.seed + 1)
    model, seconds = _fit(X, y, params)
    # Disjoint blocks of each measure, none seen by the fit: costs against the first n,
    # the near-exact answer from the next `large`, POT's atoms from the last n, so that no
    # estimate is favoured.
    evaluation = [m[:n] for m in measures]
    large = _reference_samples(args)
    near_exact = exact_plan_barycenter([m[n : n + large] for m in measures], weights, rng)
    held_out = [m[-n:] for m in measures]
    pot = free_support_barycenter(held_out, weights, rng)
    scores = defaultdict(list)
    for draw in range(args.draws):
        estimates = {
            _THREE_MEASURE_FLOOR: near_exact[rng.choice(large, n, replace=False)],
            _THREE_MEASURE_INDEPENDENT: near_exact[rng.choice(large, n, replace=True)],
            _SAMPLE: model.sample(n, random_state=args.seed + 2 + draw),
            _POT: pot,
            "plain mixture": mixture_samples(held_out, weights, rng),
            "Gaussian-fit barycenter": rng.multivariate_normal(
                model.gaussian_mean_, model.gaussian_cov_, n
            ),
        }
        for name, samples in estimates.items():
            scores[name].append(barycenter_cost(samples, evaluation, weights))
    rows = [[name, _mean_and_spread(values), ""] for name, values in scores.items()]
    rows[2][-1] = f"{seconds:.0f}"  # NeuralBarycenter's row
    return ["estimate", "sum_i a_i W2^2(estimate, mu_i)", "fit s"], rows


def _fit(X, y, params):
    start = time.perf_counter()
    model = NeuralBarycenter(**params).fit(X, y)
    return model, time.perf_counter() - start
