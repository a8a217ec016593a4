"""Barycenters for all weights from one fit (NWB paper, Sec. 4.4, C.4, Figs. 11 and 12).

Three parts, each with one FreeWeightBarycenter fit beside separate NeuralBarycenter fits
at the weights it is scored at (accuracy and total time, in the same run). "gaussians":
the paper's three 2-D Gaussians of Appendix C.4, against the exact Gaussian barycenter
at each weight vector: BW2-UVP on >= 100k samples beside its sample floor and the paper's
KDE-KL beside the paper's figures at its three weight vectors, then BW2-UVP on a grid of
15 weight vectors covering the simplex (its vertices included). "mixtures" (Fig. 11) and
"lines" (Fig. 12): two Gaussian mixtures, and two uniform measures on crossing
segments; at weights (1 - t, t) for t = 0.2, 0.4, 0.6 and 0.8, W2^2 (POT's exact
solver) from each estimate to the exact barycenter, McCann's interpolant of POT's exact
plan between samples, beside the floor (a second draw of that exact answer), POT's
free-support barycenter and the plain mixture, and beside the floor that applies to the
estimators' quasi-random samples: a quasi-random draw of the exact answer, from the
closed form for the lines (:func:`~sklearn_wb.numerics.segment_barycenter`), for the
mixtures McCann's interpolant between quasi-random draws of the two measures
(:func:`._exact_ot.quasi_random_answer`). --parts runs a subset.
"""

# The docstring's first line names no command: the CLI's summary pattern reads command
# names without hyphens, and this one is "free-weights".

import time

import numpy as np
import torch

from .. import FreeWeightBarycenter, NeuralBarycenter
from ..numerics import (
    bw2_uvp,
    bw2_uvp_floor,
    gaussian_barycenter,
    gaussian_bw2_uvp,
    kde_kl,
    make_gaussian_mixtures,
    make_random_lines,
    random_segments,
    sample_gaussians,
    segment_barycenter,
)
from ._exact_ot import (
    FREE_SUPPORT_ITERATIONS,
    REFERENCE_SAMPLES,
    exact_answer_draws,
    free_support_barycenter,
    mixture_samples,
    quasi_random_answer,
    reference_samples,
    unseen_split,
    w2_squared,
)
from ._report import (
    add_run_arguments,
    add_schedule_arguments,
    command_line,
    format_table,
    machine_description,
    write_rst,
)

# Appendix C.4: three centred Gaussians.
C4_COVARIANCES = np.array(
    [[[0.5, 0.0], [0.0, 2.0]], [[2.0, 1.0], [1.0, 1.0]], [[2.0, -1.0], [-1.0, 1.0]]]
)
# Sec. 4.4: the paper's KDE-KL of NWB-II at these weights.
PAPER_KDE_KL = {(0.5, 0.25, 0.25): 0.0235, (0.25, 0.5, 0.25): 0.0153, (0.25, 0.25, 0.5): 0.0114}
# Targets of the issue: BW2-UVP at every grid weight, one fit's cost in NeuralBarycenter
# fits, and W2^2 of the two-measure sweeps in multiples of the floor.
TARGET_UVP = 0.2
TARGET_TIME_RATIO = 3.0
TARGET_FLOOR_RATIO = 2.0
_KDE_SAMPLES = 10_000

PARTS = ("gaussians", "mixtures", "lines")
# Figs. 11 and 12: weights (1 - t, t) of the two-measure sweeps.
SWEEP_TS = (0.2, 0.4, 0.6, 0.8)
# Two-measure parts: heading, generator of (X, y) for two measures.
SWEEPS = {
    "mixtures": ("Two Gaussian mixtures (Fig. 11)", make_gaussian_mixtures),
    "lines": ("Two line-supported measures (Fig. 12)", make_random_lines),
}
_FLOOR = "second draw of the exact answer (floor)"
_QUASI_RANDOM_FLOOR = "quasi-random draw of the exact answer (floor of sample()'s draws)"
_FREE = "FreeWeightBarycenter, one fit"
_NEURAL = "NeuralBarycenter, a fit per t"
_POT = "POT free-support, a solve per t"
_MIXTURE = "plain mixture"


def add_arguments(parser):
    parser.add_argument(
        "--parts",
        nargs="+",
        choices=PARTS,
        default=list(PARTS),
        help="parts to run: the C.4 Gaussians, the Fig. 11 mixtures, the Fig. 12 lines",
    )
    parser.add_argument(
        "--samples-per-measure", type=int, default=20_000, help="training samples per measure"
    )
    parser.add_argument(
        "--eval-samples",
        type=int,
        default=100_000,
        help="barycenter samples scored by BW2-UVP (gaussians)",
    )
    parser.add_argument(
        "--sweep-samples",
        type=int,
        default=3000,
        help="samples per exact W2 and exact answer (mixtures, lines; exact OT is cubic)",
    )
    # FreeWeightBarycenter's epochs: both estimators train on the same schedule
    add_schedule_arguments(
        parser,
        "every fit (both estimators)",
        n_epochs=FreeWeightBarycenter().get_params()["n_epochs"],
    )
    add_run_arguments(parser, "free_weights")


def estimated_duration(args):
    """Fits counted in NeuralBarycenter fits of 600 outer iterations, 35-100 s each on one
    CPU thread (idle to busy machine; a FreeWeightBarycenter fit costs about two):
    "gaussians" about seven and a half (two FreeWeightBarycenter fits) plus 0.5-1 min of
    metrics (10 min measured on a busy 2-core machine, with one), each sweep about six plus
    24 exact OT problems of 1.5-3 s at 3000 samples (measured on a busy 2-core machine),
    growing with the square of the samples, plus POT's free-support barycenter at each t
    (up to 30 iterations of two such problems)."""
    scale = args.n_epochs * args.iterations_per_epoch / 600
    ot_scale = (24 + 4 * 2 * FREE_SUPPORT_ITERATIONS) * (args.sweep_samples / 3000) ** 2
    per_part = {
        "gaussians": (7.5 * 35 * scale + 30, 7.5 * 100 * scale + 60),
        "mixtures": (6 * 35 * scale + 1.5 * ot_scale, 6 * 100 * scale + 3 * ot_scale),
    }
    per_part["lines"] = per_part["mixtures"]
    low = sum(per_part[part][0] for part in set(args.parts)) / 60
    high = sum(per_part[part][1] for part in set(args.parts)) / 60
    if high < 1:
        return "under a minute on one CPU thread"
    span = f"{low:.0f}-{high:.0f}" if f"{low:.0f}" != f"{high:.0f}" else f"{high:.0f}"
    return f"about {span} min on one CPU thread"


def simplex_grid(n_steps=4):
    """Weight vectors of three measures whose entries are multiples of 1 / n_steps (15 for
    n_steps=4: the vertices, points on every edge and inside)."""
    return (
        np.array(
            [(i, j, n_steps - i - j) for i in range(n_steps + 1) for j in range(n_steps + 1 - i)]
        )
        / n_steps
    )


_EDGE_WEIGHTS = {"weight_distribution": "dirichlet", "alpha": 0.5}


def _schedule(args):
    return dict(
        n_epochs=args.n_epochs,
        iterations_per_epoch=args.iterations_per_epoch,
        random_state=args.seed,
        n_threads=args.threads,
    )


def _schedule_note(args):
    return (
        f"every fit runs {args.n_epochs} x {args.iterations_per_epoch} outer iterations "
        "(epochs x iterations per epoch)"
    )


def _timed_fit(model, X, y):
    start = time.perf_counter()
    model.fit(X, y)
    return model, time.perf_counter() - start


def _verdict(holds):
    return "holds" if holds else "fails"


def run(args):
    torch.set_num_threads(args.threads)
    sweeps = [part for part in SWEEPS if part in args.parts]
    if sweeps and reference_samples(args.samples_per_measure) < 2 * args.sweep_samples:
        raise ValueError(
            f"the sweeps need min(--samples-per-measure, {REFERENCE_SAMPLES}) >= 2 x "
            "--sweep-samples (the reference and the floor are disjoint draws of the exact "
            "answer, from as many further samples of each measure as the fit trains on, at "
            f"most {REFERENCE_SAMPLES}), got {args.samples_per_measure} and "
            f"{args.sweep_samples}."
        )
    sections, targets, notes = [], [], [f"Machine: {machine_description(args.threads)}."]
    if "gaussians" in args.parts:
        part_sections, part_targets, note = _gaussians(args)
        sections += part_sections
        targets += part_targets
        notes.append(note)
    for part in sweeps:
        section, part_targets, note = _sweep(args, part)
        sections.append(section)
        targets += part_targets
        notes.append(note)
    targets_headers = ["target", "measured", "verdict"]
    sections.append(("Targets", targets_headers, targets))
    for heading, headers, rows in sections:
        print(f"\n{heading}\n{format_table(headers, rows)}")
    write_rst(
        args.output,
        "Free weights: one fit for every weight vector (NWB paper, Sec. 4.4)",
        command_line("free-weights", add_arguments, args),
        sections,
        notes=notes,
    )


def _gaussians(args):
    means = np.zeros((3, 2))
    X, y = sample_gaussians(means, C4_COVARIANCES, args.samples_per_measure, random_state=args.seed)
    model, free_seconds = _timed_fit(FreeWeightBarycenter(verbose=1, **_schedule(args)), X, y)

    separate, separate_seconds = {}, []
    for weights in PAPER_KDE_KL:
        single, seconds = _timed_fit(NeuralBarycenter(weights, **_schedule(args)), X, y)
        separate[weights] = single
        separate_seconds.append(seconds)

    # Dirichlet(0.5) draws more weight vectors near the simplex's edges and vertices.
    edges, _ = _timed_fit(FreeWeightBarycenter(**_EDGE_WEIGHTS, **_schedule(args)), X, y)
    paper_headers, paper_rows = _paper_weights_table(args, model, separate, means)
    grid_headers, grid_rows, worst = _grid_table(
        args, {"FreeWeight": model, "FreeWeight Dirichlet(0.5)": edges}, means
    )
    ratio = free_seconds / np.mean(separate_seconds)
    iterations = args.n_epochs * args.iterations_per_epoch
    timing_headers = ["fit", "time (s)", "outer iterations"]
    timing = [
        ["FreeWeightBarycenter, one fit (all weights)", f"{free_seconds:.1f}", iterations],
        *[
            [f"NeuralBarycenter at a = {list(w)}", f"{s:.1f}", iterations]
            for w, s in zip(PAPER_KDE_KL, separate_seconds)
        ],
        ["NeuralBarycenter, the three fits", f"{sum(separate_seconds):.1f}", 3 * iterations],
    ]
    targets = [
        *(
            [
                f"Gaussians: BW2-UVP <= {TARGET_UVP} % at every grid weight ({name})",
                f"max {value:.4f} %",
                _verdict(value <= TARGET_UVP),
            ]
            for name, value in worst.items()
        ),
        [
            f"Gaussians: one fit <= {TARGET_TIME_RATIO:g} NeuralBarycenter fits",
            f"{ratio:.2f} x (mean of the three)",
            _verdict(ratio <= TARGET_TIME_RATIO),
        ],
    ]
    sections = [
        ("Gaussians (C.4): accuracy at the paper's weights", paper_headers, paper_rows),
        ("Gaussians (C.4): BW2-UVP over the simplex", grid_headers, grid_rows),
        ("Gaussians (C.4): fit time", timing_headers, timing),
    ]
    note = (
        f"Gaussians: the three Gaussians of the paper's Appendix C.4, {args.samples_per_measure} "
        "training samples each. FreeWeightBarycenter with default parameters (weights "
        "uniform on the simplex during training), and over the simplex also with "
        "weight_distribution='dirichlet', alpha=0.5, and NeuralBarycenter with default "
        f"parameters at each weight vector; {_schedule_note(args)}. BW2-UVP from "
        f"{args.eval_samples} samples against the exact Gaussian barycenter at each "
        "weight vector, beside its floors: exact samples of the same size drawn "
        "quasi-randomly, as the estimators' ``sample`` draws by default (scrambled Sobol "
        "latents), so that above it a figure is the estimator's own error, and drawn "
        "independently, the metric's usual floor; and beside the closed form: the exact "
        "Gaussian barycenter of the measures' Gaussian fits to the training samples, where "
        "both estimators start and what a user would compute on Gaussian data, scored "
        "exactly (no samples drawn), which carries the training samples' own error. "
        "KDE-KL is the "
        f"paper's metric (bandwidth 0.5, 100 x 100 grid, {_KDE_SAMPLES} samples); it has a "
        "floor too, and rewards under-dispersion."
    )
    return sections, targets, note


def _sweep(args, part):
    """One FreeWeightBarycenter fit and a NeuralBarycenter fit per t on two measures, scored
    by W2^2 to McCann's interpolant at weights (1 - t, t)."""
    heading, make = SWEEPS[part]
    n = args.sweep_samples
    # The fit's samples, then per measure the exact answer's and n for POT and the
    # plain mixture: no estimate is trained on what it is scored against.
    large = reference_samples(args.samples_per_measure)
    X, y, (first, second) = unseen_split(make, 2, args.samples_per_measure, large + n, args.seed)
    rng = np.random.default_rng(args.seed + 1)
    free, free_seconds = _timed_fit(FreeWeightBarycenter(verbose=1, **_schedule(args)), X, y)
    quasi_random_floor = _quasi_random_floor(part, args, n)
    scores = {name: [] for name in (_FLOOR, _QUASI_RANDOM_FLOOR, _FREE, _NEURAL, _POT, _MIXTURE)}
    neural_seconds = []
    rng_draws = np.random.default_rng(args.seed + 3)
    draws = exact_answer_draws(first[:large], second[:large], n, rng_draws)
    for t in SWEEP_TS:
        weights = np.array([1 - t, t])
        neural, seconds = _timed_fit(NeuralBarycenter(weights, **_schedule(args)), X, y)
        neural_seconds.append(seconds)
        ((exact, floor),) = draws(t)
        estimates = {
            _FLOOR: floor,
            _QUASI_RANDOM_FLOOR: quasi_random_floor(weights),
            _FREE: free.sample(n, weights=weights, random_state=args.seed + 2),
            _NEURAL: neural.sample(n, random_state=args.seed + 2),
            _POT: free_support_barycenter([first[-n:], second[-n:]], weights, rng),
            _MIXTURE: mixture_samples([first[-n:], second[-n:]], weights, rng),
        }
        for name, samples in estimates.items():
            scores[name].append(w2_squared(samples, exact))
    fit_times = {
        _FREE: f"{free_seconds:.1f}",
        _NEURAL: f"{sum(neural_seconds):.1f} ({' + '.join(f'{s:.0f}' for s in neural_seconds)})",
    }
    headers = ["W2^2 to the exact barycenter", *(f"t = {t}" for t in SWEEP_TS), "fit time (s)"]
    rows = [
        [name, *(f"{value:.4g}" for value in values), fit_times.get(name, "")]
        for name, values in scores.items()
    ]
    label = part.capitalize()
    ratio_rows, targets = _floor_ratios(scores, label)
    rows += ratio_rows
    time_ratio = free_seconds / np.mean(neural_seconds)
    targets.append(
        [
            f"{label}: one fit <= {TARGET_TIME_RATIO:g} NeuralBarycenter fits",
            f"{time_ratio:.2f} x (mean of the {len(SWEEP_TS)})",
            _verdict(time_ratio <= TARGET_TIME_RATIO),
        ]
    )
    title = f"{heading}: W2^2 at weights (1 - t, t)"
    if part == "mixtures":
        data = "the paper's two mixtures of four unit Gaussians (square and diamond, Fig. 4)"
    else:
        centres, half_axes = random_segments(2, random_state=args.seed)
        ends = "; ".join(
            f"({a[0]:.2f}, {a[1]:.2f}) to ({b[0]:.2f}, {b[1]:.2f})"
            for a, b in zip(centres - half_axes, centres + half_axes)
        )
        data = (
            "two uniform measures on crossing segments of length 4 "
            f"(make_random_lines(2, random_state={args.seed}): {ends})"
        )
    note = (
        f"{heading}: {data}, {args.samples_per_measure} training samples each. One "
        "FreeWeightBarycenter fit with default parameters for all t; a NeuralBarycenter fit "
        f"with default parameters at each t; {_schedule_note(args)}. The exact barycenter at "
        "weights (1 - t, t) is McCann's interpolant of POT's exact plan between "
        f"{large} further samples of each measure, which no fit sees; the reference is a "
        f"subsample of {n} of it, the floor a second, disjoint one (what a perfect sampler "
        "of independent points scores); POT's "
        f"free-support barycenter ({n} atoms started from the plain mixture, at most "
        f"{FREE_SUPPORT_ITERATIONS} iterations) and the plain mixture use the last {n}; each "
        f"estimate has {n} samples. All W2^2 by POT's exact solver. {_quasi_random_note(part)}"
    )
    return (title, headers, rows), targets, note


def _quasi_random_floor(part, args, n):
    """weights -> n quasi-random samples of the exact barycenter: for the lines from its
    closed form (:func:`segment_barycenter`), for the mixtures McCann's interpolant between
    quasi-random draws of the two measures."""
    if part == "mixtures":
        path = quasi_random_answer(make_gaussian_mixtures, n, args.seed + 4)
        return lambda weights: path(weights[1])
    centres, half_axes = random_segments(2, random_state=args.seed)  # unseen_split's lines
    return lambda weights: segment_barycenter(
        centres, half_axes, weights, n, random_state=args.seed + 4, quasi_random=True
    )


def _floor_ratios(scores, label):
    """Rows of the estimates' W2^2 over each floor, and the targets on them."""
    floors = {_FLOOR: "floor", _QUASI_RANDOM_FLOOR: "quasi-random floor"}
    rows, targets = [], []
    for floor_name, floor_label in floors.items():
        ratios = {
            name: np.array(scores[name]) / np.array(scores[floor_name])
            for name in (_FREE, _NEURAL, _POT)
        }
        rows += [
            [f"{name.split(',')[0]} / {floor_label}", *(f"{r:.2f} x" for r in ratio), ""]
            for name, ratio in ratios.items()
        ]
        worst = int(np.argmax(ratios[_FREE]))
        targets.append(
            [
                f"{label}: W2^2 <= {TARGET_FLOOR_RATIO:g} x {floor_label} at every t",
                f"max {ratios[_FREE][worst]:.2f} x (t = {SWEEP_TS[worst]})",
                _verdict(ratios[_FREE][worst] <= TARGET_FLOOR_RATIO),
            ]
        )
    return rows, targets


def _quasi_random_note(part):
    exact = (
        "exact samples of the closed-form barycenter (a uniform measure on a segment, "
        "segment_barycenter), one in each of as many equal strata"
        if part == "lines"
        else "McCann's interpolant of the exact plan between quasi-random draws of the two "
        "mixtures (on closed forms, the lines and two Gaussians, it scores as quasi-random "
        "draws of the exact answer do: scripts/quasi_random_floor_side_runs.py)"
    )
    return (
        "The estimators draw quasi-random samples (their ``sample`` default), which cover "
        "their law more evenly than independent draws: the floor that applies to them is "
        f"the quasi-random one, {exact}, scored against the same reference."
    )


def _paper_weights_table(args, model, separate, means):
    headers = [
        "a",
        *_FLOOR_HEADERS,
        _CLOSED_FORM_HEADER,
        "FreeWeight BW2-UVP %",
        "NeuralBarycenter BW2-UVP %",
        "floor KDE-KL",
        "FreeWeight KDE-KL",
        "NeuralBarycenter KDE-KL",
        "paper NWB-II KDE-KL",
    ]
    rows = []
    for weights, paper in PAPER_KDE_KL.items():
        mean, cov = gaussian_barycenter(means, C4_COVARIANCES, weights)
        free = model.sample(args.eval_samples, weights, random_state=args.seed + 1)
        fixed = separate[weights].sample(args.eval_samples, random_state=args.seed + 1)
        exact = np.random.default_rng(args.seed + 2).multivariate_normal(mean, cov, _KDE_SAMPLES)
        rows.append(
            [
                list(weights),
                *_floor_cells(args, mean, cov),
                f"{_closed_form_uvp(model, weights, mean, cov):.4f}",
                f"{bw2_uvp(free, mean, cov):.4f}",
                f"{bw2_uvp(fixed, mean, cov):.4f}",
                f"{kde_kl(exact, mean, cov):.4f}",
                f"{kde_kl(free[:_KDE_SAMPLES], mean, cov):.4f}",
                f"{kde_kl(fixed[:_KDE_SAMPLES], mean, cov):.4f}",
                paper,
            ]
        )
    return headers, rows


# The estimators' samples are quasi-random (their ``sample`` default): the first floor is
# theirs; the independent one is the metric's usual floor.
_FLOOR_HEADERS = ("floor BW2-UVP %, quasi-random", "floor BW2-UVP %, independent")


# The cheap answer on Gaussian data: the barycenter of the training samples' Gaussian fits
# (where the estimators start), scored exactly, with no samples drawn.
_CLOSED_FORM_HEADER = "closed form of the fits BW2-UVP %"


def _closed_form_uvp(model, weights, mean, cov):
    """Exact BW2-UVP of the barycenter of ``model``'s Gaussian fits at ``weights``."""
    fitted = gaussian_barycenter(model.gaussian_means_, model.gaussian_covs_, weights)
    return gaussian_bw2_uvp(*fitted, mean, cov)


def _floor_cells(args, mean, cov):
    quasi_random, independent = (
        bw2_uvp_floor(args.eval_samples, mean, cov, args.seed + 2, quasi_random=quasi)
        for quasi in (True, False)
    )
    return f"{quasi_random:.1e}", f"{independent:.4f}"


def _grid_table(args, models, means):
    """BW2-UVP of each model (name -> fitted FreeWeightBarycenter) on the simplex grid, and
    each model's worst."""
    headers = ["a", *_FLOOR_HEADERS, _CLOSED_FORM_HEADER, *(f"{name} BW2-UVP %" for name in models)]
    rows, worst = [], dict.fromkeys(models, 0.0)
    fits = next(iter(models.values()))  # every model fits the same training samples
    for weights in simplex_grid():
        mean, cov = gaussian_barycenter(means, C4_COVARIANCES, weights)
        row = [
            weights.tolist(),
            *_floor_cells(args, mean, cov),
            f"{_closed_form_uvp(fits, weights, mean, cov):.4f}",
        ]
        for name, model in models.items():
            samples = model.sample(args.eval_samples, weights, random_state=args.seed + 1)
            uvp = bw2_uvp(samples, mean, cov)
            worst[name] = max(worst[name], uvp)
            row.append(f"{uvp:.4f}")
        rows.append(row)
    return headers, rows, worst
