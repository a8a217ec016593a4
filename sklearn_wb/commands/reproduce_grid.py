"""``python -m sklearn_wb reproduce grid``: speed and accuracy of the grid barycenter predictor.

Timing: seconds per barycenter of a pair of random contours for the shipped
:class:`GridBarycenterPredictor` (batched ``predict``), the GeomLoss Lagrangian reference
with 1 step (the linearised training target) and 10 steps, and POT's convolutional
barycenter and its debiased variant, at each grid size. The GeomLoss references are timed
only up to ``--max-linearised-size`` (1 step) and ``--max-reference-size`` (10 steps):
without pykeops their dense cost matrices grow as the fourth power of the side (minutes
per barycenter and gigabytes beyond 128^2 and 64^2 on a CPU). GeomLoss's own grid solver,
``ImagesBarycenter`` (multiscale, separable kernels on the grid), runs where pykeops is
installed (``pip install -e ".[keops]"``), up to ``--max-images-size``.

Accuracy: KL(reference || estimate) and L1 against the 10-step GeomLoss barycenter on
held-out contours (a seed the training never saw), for pairs and for 3- and 5-way
barycenters, beside the linearised target, ``ImagesBarycenter``, POT debiased and the plain
weighted mixture.
The 10-step references depend only on the held-out problems, so they are cached on disk
(``--cache-dir``) and a rerun after retraining the model skips them.

On a GPU (``--device auto`` picks it), the paper's 512^2 comparison with the linearised
GeomLoss solver on the same device (a dense cost matrix of up to about 9 GB per input)::

    python -m sklearn_wb reproduce grid --sizes 64 128 512 --max-linearised-size 512
"""

import importlib.util
import time

import joblib
import numpy as np
import ot
import torch
from geomloss import ImagesBarycenter

from .. import GridBarycenterPredictor
from ..neural_barycenter import resolve_device
from ..numerics import grid_barycenter, random_shape_contours
from ._report import format_table, format_time, machine_description, time_unit, write_rst

_POT_REG = 0.004  # smallest that stays finite at 64^2-512^2 (NaN at <= 1e-3 when mass travels)
_HELD_OUT_SEED = 12345  # training data uses random_state=0
_FLOOR = 1e-12  # keeps log finite where a baseline puts exactly zero mass
_BLUR = 0.01  # GeomLoss blur of every GeomLoss solver here (the grid_barycenter default)
_HAS_KEOPS = importlib.util.find_spec("pykeops") is not None  # ImagesBarycenter needs it
_MODEL_SIZE = 64  # grid side of the shipped model: GridBarycenterPredictor.pretrained(size=64)


def add_arguments(parser):
    parser.add_argument(
        "--sizes", type=int, nargs="+", default=[64, 128, 512], help="grid sides to time"
    )
    parser.add_argument(
        "--max-linearised-size",
        type=int,
        default=128,
        help="largest side at which the 1-step GeomLoss solver is timed",
    )
    parser.add_argument(
        "--max-reference-size",
        type=int,
        default=64,
        help="largest side at which the 10-step GeomLoss solver is timed",
    )
    parser.add_argument(
        "--max-images-size",
        type=int,
        default=128,
        help="largest side at which ImagesBarycenter is timed (needs pykeops)",
    )
    parser.add_argument(
        "--accuracy-size",
        type=int,
        default=_MODEL_SIZE,
        help=f"grid side of the accuracy table (the shipped model is trained at {_MODEL_SIZE})",
    )
    parser.add_argument("--n-problems", type=int, default=4, help="held-out problems per k")
    parser.add_argument("--batch", type=int, default=16, help="barycenters per predict call")
    parser.add_argument("--threads", type=int, default=1, help="torch threads")
    parser.add_argument(
        "--device", default="auto", help="for the predictor and the timed GeomLoss solvers"
    )
    parser.add_argument(
        "--quick", action="store_true", help="32^2 only, one problem per k (a smoke test)"
    )
    parser.add_argument(
        "--cache-dir",
        default=".cache/reproduce_grid",
        help="on-disk cache of the 10-step reference barycenters",
    )
    parser.add_argument(
        "--output",
        default="docs/benchmarks/grid.rst",
        help="page to write; runs with other options write it only where given",
    )


def estimated_duration(args):
    """Measured on one CPU thread: --quick 20 s, 1 min on a first run (KeOps compilation,
    references); the default run about 5 min of timings plus 12 references of ~1 min each."""
    if args.quick:
        return "about 20 s on one CPU thread, 1 min on a first run (it fills --cache-dir)"
    return (
        "about 18 min on one CPU thread with the default options, about 6 min once the "
        "10-step references are cached in --cache-dir"
    )


def training_size_note(accuracy_size):
    """A warning when the accuracy grid is not the size the shipped model was trained at."""
    if accuracy_size == _MODEL_SIZE:
        return None
    return (
        f"Note: accuracy measured at {accuracy_size}^2, but the shipped model was trained at "
        f"{_MODEL_SIZE}^2: these rows score it away from its training size, not its accuracy "
        f"at {_MODEL_SIZE}^2."
    )


def run(args):
    if args.quick:
        args.sizes, args.accuracy_size, args.n_problems = [32], 32, 1
        args.max_linearised_size = args.max_reference_size = args.max_images_size = 32
    torch.set_num_threads(args.threads)
    if _HAS_KEOPS:  # compiles KeOps' kernels (once per machine) outside the timings
        _images_barycenter(_contours(2, 32, _HELD_OUT_SEED), np.full(2, 0.5), args.device)
    model = GridBarycenterPredictor.pretrained(size=_MODEL_SIZE, device=args.device)
    timing_headers, timing = _timing_table(
        args.sizes, [_time_row(model, size, args) for size in args.sizes]
    )
    references = joblib.Memory(args.cache_dir, verbose=0).cache(_reference_problems)
    accuracy_headers, accuracy = _accuracy_table(
        [
            row
            for k in (2, 3, 5)
            for row in _accuracy_rows(
                model, k, *references(k, args.accuracy_size, args.n_problems), device=args.device
            )
        ]
    )
    size_note = training_size_note(args.accuracy_size)
    print(format_table(timing_headers, timing))
    print(format_table(accuracy_headers, accuracy))
    if size_note:
        print(size_note)
    command = (
        "python -m sklearn_wb reproduce grid --sizes "
        + " ".join(map(str, args.sizes))
        + f" --max-linearised-size {args.max_linearised_size}"
        + f" --max-reference-size {args.max_reference_size}"
        + f" --max-images-size {args.max_images_size} --accuracy-size "
        f"{args.accuracy_size} --n-problems {args.n_problems} --batch {args.batch} "
        f"--threads {args.threads} --device {args.device}"
    )
    write_rst(
        args.output,
        "Grid barycenters (DCNN paper)",
        command,
        [
            (
                "Time per barycenter (in brackets: times slower than the predictor)",
                timing_headers,
                timing,
            ),
            (
                f"Accuracy against the 10-step GeomLoss barycenter at {args.accuracy_size}^2",
                accuracy_headers,
                accuracy,
            ),
        ],
        notes=[
            f"Machine: {machine_description(args.threads)}. Shipped model "
            "``GridBarycenterPredictor.pretrained()`` (trained at "
            f"{_MODEL_SIZE}^2 on linearised targets). "
            f"GeomLoss blur {_BLUR}, scaling 0.9, tensorized; ImagesBarycenter "
            f"{'with pykeops' if _HAS_KEOPS else 'skipped (no pykeops)'}; POT reg {_POT_REG}. "
            f"Accuracy: means over {args.n_problems} held-out problems per k with Dirichlet "
            "weights; KL(reference || estimate) and L1 of the unit-mass grids.",
            *([size_note] if size_note else []),
        ],
    )


def _contours(n, size, seed):
    return random_shape_contours(n, size, random_state=seed)


def _seconds(function, repeat=1):
    start = time.perf_counter()
    function()
    first = time.perf_counter() - start
    if first > 1.0:  # slow solvers: one-off set-up costs are noise next to the run itself
        return first
    start = time.perf_counter()  # fast ones: the first call was a warm-up (allocation, kernels)
    for _ in range(repeat):
        function()
    return (time.perf_counter() - start) / repeat


def _pot(measures, weights, debiased=False):
    solver = (
        ot.bregman.convolutional_barycenter2d_debiased
        if debiased
        else ot.bregman.convolutional_barycenter2d
    )
    bary = np.nan_to_num(solver(measures, _POT_REG, weights=weights, warn=False))
    return bary / bary.sum()


def _images_barycenter(measures, weights, device):
    """GeomLoss's ImagesBarycenter of one problem, as a unit-mass grid (needs pykeops)."""
    as_tensor = lambda a: torch.as_tensor(  # noqa: E731
        a[None], dtype=torch.float32, device=resolve_device(device)
    )
    bary = ImagesBarycenter(as_tensor(measures), as_tensor(weights), blur=_BLUR)
    bary = bary[0].double().cpu().numpy()
    return bary / bary.sum()


def _time_row(model, size, args):
    shapes = _contours(2 * args.batch, size, _HELD_OUT_SEED + size)
    measures = shapes.reshape(args.batch, 2, size, size)
    weights = np.full((args.batch, 2), 0.5)
    predictor = _seconds(lambda: model.predict(measures, weights), repeat=3) / args.batch
    pair, w = measures[0] / measures[0].sum((1, 2), keepdims=True), weights[0]
    once = {  # solvers are single problems: time one run each after a warm-up
        "GeomLoss 1 step": lambda: grid_barycenter(pair, w, n_steps=1, device=args.device),
        "GeomLoss 10 steps": lambda: grid_barycenter(pair, w, n_steps=10, device=args.device),
        "ImagesBarycenter": lambda: _images_barycenter(pair, w, args.device),
        "POT": lambda: _pot(pair, w),
        "POT debiased": lambda: _pot(pair, w, debiased=True),
    }
    largest = {
        "GeomLoss 1 step": args.max_linearised_size,
        "GeomLoss 10 steps": args.max_reference_size,
        "ImagesBarycenter": args.max_images_size if _HAS_KEOPS else 0,
    }
    row = {"predictor": predictor}
    for name, solve in once.items():
        row[name] = None if size > largest.get(name, size) else _seconds(solve)
        if row[name] is not None:
            print(f"{size}^2 {name}: {row[name]:.3g} s")
    return row


def _timing_table(sizes, rows):
    """Headers and cells of the timing rows (method -> seconds, None where skipped), in one
    time unit, with each time's ratio to the predictor's."""
    unit, scale = time_unit([s for row in rows for s in row.values() if s is not None])
    headers = ["size", *(f"{name} ({unit})" for name in rows[0])]
    cells = [
        [f"{size}^2", *(_time_cell(s, row["predictor"], scale) for s in row.values())]
        for size, row in zip(sizes, rows)
    ]
    return headers, cells


def _time_cell(seconds, predictor_seconds, scale):
    if seconds is None:
        return "skipped"
    return f"{format_time(seconds, scale)} ({seconds / predictor_seconds:,.0f}x)"


def _reference_problems(k, size, n):
    """n held-out k-way problems with Dirichlet weights and their 10-step barycenters."""
    shapes = _contours(n * k, size, _HELD_OUT_SEED + k)
    measures = shapes.reshape(n, k, size, size)
    measures = measures / measures.sum((2, 3), keepdims=True)
    weights = np.random.default_rng(_HELD_OUT_SEED + k).dirichlet(np.ones(k), n)
    references = np.stack([grid_barycenter(m, w, n_steps=10) for m, w in zip(measures, weights)])
    return measures, weights, references


def _accuracy_rows(model, k, measures, weights, references, device):
    n = len(measures)
    start = time.perf_counter()
    predicted = model.predict(measures, weights)
    estimates = {"predictor": (predicted, (time.perf_counter() - start) / n)}
    solvers = {
        "GeomLoss 1 step (linearised)": lambda m, w: grid_barycenter(
            m, w, n_steps=1, device=device
        ),
        "ImagesBarycenter": lambda m, w: _images_barycenter(m, w, device),
        "POT debiased": lambda m, w: _pot(m, w, debiased=True),
        "weighted mixture": lambda m, w: np.einsum("k,khw->hw", w, m),
    }
    if not _HAS_KEOPS:
        del solvers["ImagesBarycenter"]
    for name, solve in solvers.items():
        start = time.perf_counter()
        grids = np.stack([solve(m, w) for m, w in zip(measures, weights)])
        estimates[name] = (grids, (time.perf_counter() - start) / n)
    return [
        [k, name, f"{_kl(references, grids):.3f}", f"{_l1(references, grids):.3f}", seconds]
        for name, (grids, seconds) in estimates.items()
    ]


def _accuracy_table(rows):
    """Headers and cells of the accuracy rows (seconds last), in one time unit."""
    unit, scale = time_unit([row[-1] for row in rows])
    headers = ["k", "method", "KL", "L1", f"time per barycenter ({unit})"]
    return headers, [[*row[:-1], format_time(row[-1], scale)] for row in rows]


def _kl(references, estimates):
    ratio = np.log(np.maximum(references, _FLOOR)) - np.log(np.maximum(estimates, _FLOOR))
    return float((references * ratio).sum((1, 2)).mean())


def _l1(references, estimates):
    return float(np.abs(references - estimates).sum((1, 2)).mean())
