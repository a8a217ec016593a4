"""``python -m sklearn_wb reproduce grid``: accuracy and speed of the grid barycenter predictor.

For each grid size and input family, the L1 and KL(reference || estimate) of every method's
unit-mass barycenter, its time per barycenter, and the number of problems on which it is
further from the reference than the plain weighted mixture. Methods: the shipped
:class:`GridBarycenterPredictor` (batched ``predict``: the network's answer, refined by
solver iterations; and its network alone), our debiased Sinkhorn solver
:func:`~sklearn_wb.numerics.sinkhorn_barycenter_2d` at reg 0.004 and 0.001 (tol 1e-3) and
at reg 0.004, tol 1e-2, POT's debiased convolutional barycenter (reg 0.004; on torch
tensors, its faster torch backend, the targets' baseline, and on numpy arrays), GeomLoss's
``ImagesBarycenter`` where pykeops is installed (``pip install -e ".[keops]"``) and the
weighted mixture.

Families (``--families`` picks some): every input family users bring, the predictor's
training families (:data:`~sklearn_wb.numerics.GRID_FAMILIES`: contours, filled shapes,
Gaussian blobs and mixtures, strokes, thin lines, smooth fields, near-uniform densities and
random intensities), held out (drawn from a seed the training never used), each problem's
inputs from one family, with our solver at reg 0.001, tol 1e-4 (1e-6 on the cheap
near-uniform densities) as the reference; and five
families with an exact closed-form answer, which is their reference: Gaussian blobs,
location-scale copies of a star, near-uniform product densities, identical inputs and
one-hot weights. On those the reference solver gets its own row, so its error to the exact
answer (its floor) stands beside the figures; a training family's reference cell quotes it
on the closest known-answer family (near-uniform products for near-uniform densities, the
stars for the others), and how far the family's first reference moves when the solver runs
to a 10x tighter tol (a lower bound on its distance to its own fixed point). Problem i of
a family has k = 2, 3, 5, 2, ... inputs and flat Dirichlet weights.

A targets table then says, per size and family, whether the predictor's targets hold
(measured, not asserted). The reference solver's barycenters depend only on the problems,
so they are cached on disk (``--cache-dir``, keyed by the inputs, the solver settings and
the solver's code, docstrings and comments aside) and a rerun after retraining the model
skips them.
"""

import ast
import functools
import hashlib
import importlib.util
import inspect
import json
import time
from collections import defaultdict
from importlib import resources

import joblib
import numpy as np
import ot
import torch
from geomloss import ImagesBarycenter

from .. import GridBarycenterPredictor
from ..numerics import (
    GRID_FAMILIES,
    grid_gaussian_potentials,
    grid_mixture,
    grid_reference,
    grid_sinkhorn,
    make_gaussian_blob_problems,
    make_identical_problems,
    make_location_scale_problems,
    make_one_hot_problems,
    make_product_problems,
    sinkhorn_barycenter_2d,
)
from ..numerics._device import resolve_device
from ._report import (
    add_run_arguments,
    format_table,
    format_time,
    machine_description,
    time_unit,
    write_rst,
)

_POT_REG = 0.004  # smallest that stays finite at 64^2-512^2 (NaN at <= 1e-3 when mass travels,
# e.g. between opposite corners: measured with numpy arrays and torch tensors alike)
# Reference solver of the GRID_FAMILIES: reg 0.001 blurs about 2 cells at 64^2; tol 1e-4 (10x
# tighter than the solver's default) stops after 2000-4000 iterations on contours, hence
# max_iter 5000. init named so that the cache key changed with the default start (it was
# "uniform" before the "auto" start existed).
_REFERENCE = {"reg": 0.001, "tol": 1e-4, "max_iter": 5000, "init": "auto"}
# The reference's convergence check: the same solver 10x tighter on each family's first
# problem, within the same max_iter (a higher cap would take tens of minutes on 128^2 thin
# lines). The debiasing step converges slowly on sharp or noisy barycenters, so at tol 1e-4
# the reference can stop far from its fixed point. At 64^2, over 4 problems, a run to tol
# 1e-6 (max_iter 20000) moved it by L1 0.36 on random intensities and 0.21 on Gaussian
# mixtures, and every method's L1 by +0.09 to +0.24, without changing their order or the
# verdicts of the L1 targets against POT (scripts/grid_reference_convergence.py). Running
# every reference that tight would take hours.
_CONVERGENCE_TOL_FACTOR = 0.1
# Near-uniform densities converge cheaply, and the methods' errors there are 0.001-0.006,
# below what tol 1e-4 resolves: there the reference kept a trace of its start (L1 0.0036
# between the mixture and uniform starts, at 64^2) and so favoured our solver, which starts
# from the mixture too. At tol 1e-6 the two starts differ by 0.0007, and the reference is
# 0.0003-0.0011 from the exact answer on near-uniform products (0.0011-0.0064 at 1e-4), for
# 0.3-4 s per problem at 64^2 and 128^2.
_SMOOTH_REFERENCE = {**_REFERENCE, "tol": 1e-6, "max_iter": 20000}
_REFERENCE_BY_FAMILY = dict.fromkeys(("near_uniform", "near_uniform_products"), _SMOOTH_REFERENCE)
_REFERENCE_NAME = "ours reg=0.001 (reference solver)"
# name -> solver settings. At tol 1e-2 the solver at reg 0.004 still beat POT's L1 on
# contours, filled shapes and thin lines in a side run at 64^2, 7-10x faster than POT on
# numpy arrays (the baseline then), but not on strokes (0.718 vs 0.640); at tol 1e-3,
# 1.4-4x faster, it beat POT on all four.
# The fixed iteration counts take about the predictor's time (10) and 1.5x it (20) at 64^2
# on one CPU thread: the baseline a user could run in the predictor's time. Their tol is
# tiny so that they run exactly that many iterations (the default stopped some after 10).
_SOLVERS = {
    "ours reg=0.004": {"reg": 0.004},
    "ours reg=0.004 tol=1e-2": {"reg": 0.004, "tol": 1e-2},
    "ours reg=0.004 10 iterations": {"reg": 0.004, "max_iter": 10, "tol": 1e-12},
    "ours reg=0.004 20 iterations": {"reg": 0.004, "max_iter": 20, "tol": 1e-12},
    "ours reg=0.001": {"reg": 0.001},
}  # tol 1e-3 unless stated
_SPEED_TARGET_SOLVERS = ("ours reg=0.004", "ours reg=0.004 tol=1e-2")  # POT's reg
_HELD_OUT_SEED = 12345  # training data uses random_state=0
_KS = (2, 3, 5)  # problem i has _KS[i % 3] inputs
_FLOOR = 1e-12  # keeps log finite where a baseline puts exactly zero mass
_SAME_L1 = 1e-3  # "worse than the mixture" means by more than this (float noise, exact mixtures)
_BLUR = 0.01  # GeomLoss blur of ImagesBarycenter (the grid_barycenter default)
_HAS_KEOPS = importlib.util.find_spec("pykeops") is not None  # ImagesBarycenter needs it
_MODEL_SIZE = 64  # grid side of the shipped model: GridBarycenterPredictor.pretrained(size=64)
_KNOWN_ANSWERS = {  # names distinct from GRID_FAMILIES' (one of which is gaussian_blobs)
    "exact_gaussian_blobs": make_gaussian_blob_problems,
    "location_scale_stars": make_location_scale_problems,
    "near_uniform_products": make_product_problems,
    "identical_inputs": make_identical_problems,
    "one_hot_weights": make_one_hot_problems,
}
_FAMILIES = [*GRID_FAMILIES, *_KNOWN_ANSWERS]
# The known-answer family whose reference-solver error a training family's reference cell
# quotes: the stars (the closest to shapes) unless listed.
_CLOSEST_KNOWN_ANSWER = {"near_uniform": "near_uniform_products"}
_SELF_FAMILIES = ("identical_inputs", "one_hot_weights")  # the answer is one of the inputs
_NETWORK_NAME = "predictor's network alone"
_POT_NUMPY_NAME = "POT debiased, numpy arrays"  # the targets' POT runs on torch tensors
# Targets of the grid issue for the predictor and the solver.
_L1_RATIO, _L1_SLACK = 1.5, 0.02  # predictor mean L1 <= 1.5 x POT debiased's + 0.02
_SELF_L1 = 0.05  # identical inputs and one-hot weights
_PREDICTOR_SPEEDUP, _SOLVER_SPEEDUP = 30, 5  # over POT debiased
# Seconds per problem, every method, mean over the families and k = 2, 3, 5, 2, measured on
# one CPU thread of a loaded 2-core machine: (first run, reference solver's barycenters
# cached); a first run includes the convergence checks, spread over the problems. Other
# sides scale as side^2.5, the growth from 64^2 to 128^2; plus the start (imports, model,
# KeOps warm-up).
_SECONDS_PER_PROBLEM = {64: (5.7, 2.0), 128: (34.0, 12.2)}
_TIME_GROWTH = 2.5
_START_SECONDS = 10


def add_arguments(parser):
    parser.add_argument("--sizes", type=int, nargs="+", default=[64, 128], help="grid sides")
    parser.add_argument(
        "--n-problems", type=int, default=4, help="held-out problems per family and size"
    )
    parser.add_argument(
        "--families",
        nargs="+",
        choices=_FAMILIES,
        default=_FAMILIES,
        metavar="FAMILY",
        help="input families to score: the predictor's training families, then five with an "
        "exact answer",
    )
    parser.add_argument(
        "--max-images-size",
        type=int,
        default=128,
        help="largest side at which ImagesBarycenter runs (needs pykeops)",
    )
    parser.add_argument("--device", default="auto", help="for the predictor and the torch solvers")
    parser.add_argument(
        "--quick", action="store_true", help="32^2 only, one problem per family (a smoke test)"
    )
    parser.add_argument(
        "--cache-dir",
        default=".cache/reproduce_grid",
        help="on-disk cache of the reference barycenters",
    )
    add_run_arguments(parser, "grid", seed=False)


def estimated_duration(args):
    """Scaled from the seconds per problem measured at 64^2 and 128^2 to the chosen sizes,
    families and problems (--quick: one problem per family at 32^2)."""
    sizes, n_problems = ([32], 1) if args.quick else (args.sizes, args.n_problems)
    per_problem = np.sum([_seconds_per_problem(size) for size in sizes], axis=0)
    first, cached = _START_SECONDS + per_problem * n_problems * len(args.families)
    keops = ", plus 1 min the first time KeOps compiles its kernels" if _HAS_KEOPS else ""
    return (
        f"about {_duration(first)} on one CPU thread on a first run, {_duration(cached)} with "
        f"the reference barycenters cached in --cache-dir{keops}"
    )


def _seconds_per_problem(size):
    """(first run, reference cached) seconds per problem, from the nearest measured size."""
    measured = min(_SECONDS_PER_PROBLEM, key=lambda side: abs(np.log2(size / side)))
    return np.array(_SECONDS_PER_PROBLEM[measured]) * (size / measured) ** _TIME_GROWTH


def _duration(seconds):
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.0f} min"


def training_size_note(size):
    """A warning when a grid is not the size the shipped model was trained at."""
    if size == _MODEL_SIZE:
        return None
    resampled = "summed over blocks" if size > _MODEL_SIZE else "upsampled"
    return (
        f"Note: the shipped model was trained at {_MODEL_SIZE}^2: on {size}^2 grids its "
        f"network runs on the inputs {resampled} to {_MODEL_SIZE}^2, and its answer is "
        f"resampled to {size}^2."
    )


def run(args):
    if args.quick:
        args.sizes, args.n_problems, args.max_images_size = [32], 1, 32
    torch.set_num_threads(args.threads)
    _warm_up(args)
    model = GridBarycenterPredictor.pretrained(size=_MODEL_SIZE, device=args.device)
    model.set_params(n_threads=args.threads)
    reference = _cached_reference(args)
    results, convergence = {}, {}
    for size in args.sizes:
        for family in args.families:
            problems = [_problem(family, size, i, reference) for i in range(args.n_problems)]
            results[size, family] = _family_scores(model, problems, family, size, args)
            if family not in _KNOWN_ANSWERS:
                convergence[size, family] = _reference_convergence(family, problems[0], reference)
            print(f"{size}^2 {family}: done", flush=True)
    _report(args, results, convergence, model)


def _cached_reference(args):
    """:func:`_timed_reference` through the joblib cache, on the run's device (at 512^2 it
    would take hours on a CPU). joblib keys its entries by the arguments and this function's
    own code, not by the code it calls: the digest of the solver's code is an argument, so
    that a change to the solver refills the cache instead of serving barycenters of the old
    code. A CPU run passes no device, the solver's default."""
    reference = joblib.Memory(args.cache_dir, verbose=0).cache(_timed_reference)
    device = resolve_device(args.device)
    on_device = {} if str(device) == "cpu" else {"device": str(device)}
    return functools.partial(reference, solver_digest=_solver_digest(), **on_device)


def _solver_digest():
    """SHA-256 of the code of the modules that define the reference's answer: their syntax
    trees without docstrings, so that an edit to a docstring, a comment or the layout keeps
    the cache (refilling it takes about an hour of CPU for the full page)."""
    modules = (grid_sinkhorn, grid_gaussian_potentials, grid_mixture, grid_reference)
    trees = [_without_docstrings(ast.parse(inspect.getsource(module))) for module in modules]
    return hashlib.sha256("".join(map(ast.dump, trees)).encode()).hexdigest()


def _without_docstrings(tree):
    """``tree`` with the docstring of its module, classes and functions removed, in place."""
    scopes = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
    for node in ast.walk(tree):
        if isinstance(node, scopes) and ast.get_docstring(node, clean=False) is not None:
            node.body = node.body[1:] or [ast.Pass()]
    return tree


def _warm_up(args):
    """Run every timed method once on a small problem, outside the timings: KeOps compiles
    its kernels (once per machine), and on a GPU the first call would also pay for the
    device's start-up (context, cuBLAS)."""
    contours = GRID_FAMILIES["contours"](2, 32, np.random.default_rng(0))
    for solve in _solvers(32, args).values():
        solve(contours, np.array([0.5, 0.5]))


def _reference_settings(family):
    """The reference solver's settings on ``family``: tighter on near-uniform densities."""
    return _REFERENCE_BY_FAMILY.get(family, _REFERENCE)


def _tighter_settings(family):
    """The reference's settings with its tol 10x tighter: its convergence check."""
    settings = _reference_settings(family)
    return {**settings, "tol": settings["tol"] * _CONVERGENCE_TOL_FACTOR}


def _reference_label(settings):
    return f"ours reg={settings['reg']:g} tol={_tol_text(settings['tol'])}"


def _tol_text(tol):
    """A power-of-10 tolerance as the solvers' labels write it: 1e-4, not 0.0001."""
    return f"{tol:.0e}".replace("e-0", "e-")


def _reference_convergence(family, problem, reference):
    """L1 by which the reference of ``problem`` moves when run to a 10x tighter tol."""
    tighter, _ = reference(problem["measures"], problem["weights"], **_tighter_settings(family))
    return float(np.abs(tighter - problem["reference"]).sum())


def _report(args, results, convergence, model):
    timing = _timing_table(args.sizes, [_mean_times(results, size) for size in args.sizes])
    accuracy = {size: _accuracy_table(results, convergence, size) for size in args.sizes}
    targets = _targets_table(results)
    notes = [note for note in map(training_size_note, args.sizes) if note]
    print(format_table(*timing))
    for size, table in accuracy.items():
        print(f"\n{size}^2\n" + format_table(*table))
    print("\nTargets (measured, not asserted)\n" + format_table(*targets))
    print(*notes, sep="\n")
    write_rst(
        args.output,
        "Grid barycenters (DCNN paper)",
        _command(args),
        [
            (
                "Mean time per barycenter over all families (in brackets: times slower "
                "than the predictor)",
                *timing,
            ),
            *((f"Accuracy at {size}^2", *table) for size, table in accuracy.items()),
            ("Targets (measured, not asserted)", *targets),
        ],
        notes=[_settings_note(args, model), *notes],
    )


def _command(args):
    return (
        "python -m sklearn_wb reproduce grid --sizes "
        + " ".join(map(str, args.sizes))
        + f" --n-problems {args.n_problems} --max-images-size {args.max_images_size}"
        f" --threads {args.threads} --device {args.device}"
        + ("" if args.families == _FAMILIES else " --families " + " ".join(args.families))
    )


def _settings_note(args, model):
    return (
        f"Machine: {machine_description(args.threads)}. Shipped model "
        f"``GridBarycenterPredictor.pretrained()`` (trained at {_MODEL_SIZE}^2; targets: "
        f"{_shipped_model_targets()}); ``predict``: the network's answer, "
        f"then {model.solver_iterations} iterations of our solver (reg "
        f"{model.solver_reg}) from it, which the 'network alone' rows leave "
        f"out. {args.n_problems} held-out problems per family and size "
        "(a seed the training never used), each problem's inputs from one family, problem i "
        "with k = 2, 3, 5, 2, ... inputs and flat Dirichlet weights. Reference: for the "
        f"training families ({', '.join(GRID_FAMILIES)}) our solver "
        f"({_reference_label(_REFERENCE)}, "
        f"max_iter {_REFERENCE['max_iter']}; on {' and '.join(_REFERENCE_BY_FAMILY)} "
        f"tol={_tol_text(_SMOOTH_REFERENCE['tol'])}, max_iter {_SMOOTH_REFERENCE['max_iter']}, as "
        "they converge cheaply), whose own L1 to the exact answer is its row in "
        f"the known-answer families ({', '.join(_KNOWN_ANSWERS)}; a training family's cell "
        "quotes it on the closest: near-uniform products for near_uniform, the stars for the "
        "others, and the L1 by which the family's first reference moves when the solver runs "
        f"to a {1 / _CONVERGENCE_TOL_FACTOR:g}x tighter tol, within the same max_iter, a lower "
        "bound on its distance to its own fixed point); for those, the exact closed-form "
        "barycenter. L1 and KL(reference || "
        "estimate) of unit-mass grids, means over the problems; 'worse than mixture': "
        "problems where the method's L1 exceeds the weighted mixture's. Our solver at tol "
        "1e-3 unless stated, from its default start (``init='auto'``: input scalings at the "
        "potentials of the inputs' Gaussian fits; the barycenter at the weighted mixture "
        "where every input lies within L1 0.2 of it, else uniform), one problem per call; "
        f"POT debiased at reg {_POT_REG}, on float64 torch tensors on the run's device (its "
        "torch backend, the targets' baseline) and, on a CPU run, on numpy arrays (the same "
        "answer); "
        f"ImagesBarycenter blur {_BLUR}"
        f"{'' if _HAS_KEOPS else ' skipped (no pykeops)'}. Times: one problem per call, the "
        "predictor one batched ``predict`` per k; the reference's time is that of the run "
        "that filled the cache."
    )


def _shipped_model_targets():
    """What the shipped model was trained on, from the JSON card beside its weights."""
    card = resources.files("sklearn_wb") / "pretrained" / f"grid_unet_{_MODEL_SIZE}.json"
    return json.loads(card.read_text())["training"]["targets"]


def _problem(family, size, index, reference):
    """One held-out problem with its reference: a dict of measures (k, H, W), weights (k,),
    reference (H, W) and, for the known-answer families, the reference solver's barycenter
    and time (its floor). ``reference`` is :func:`_timed_reference`, cached."""
    measures, weights, exact = _inputs(family, size, index)
    solver, seconds = reference(measures, weights, **_reference_settings(family))
    if exact is None:
        return {"measures": measures, "weights": weights, "reference": solver}
    return {
        "measures": measures,
        "weights": weights,
        "reference": exact,
        "reference_solver": solver,
        "reference_seconds": seconds,
    }


def _inputs(family, size, index):
    """Measures, weights and exact barycenter (None where not known) of held-out problem
    ``index``: k = 2, 3, 5, 2, ... inputs from one family, flat Dirichlet weights."""
    k = _KS[index % len(_KS)]
    seed = _HELD_OUT_SEED + index
    if family in _KNOWN_ANSWERS:
        return tuple(a[0] for a in _KNOWN_ANSWERS[family](1, k, size, random_state=seed))
    rng = np.random.default_rng(seed)
    measures = GRID_FAMILIES[family](k, size, rng)
    return measures, rng.dirichlet(np.ones(k)), None


def _timed_reference(measures, weights, solver_digest, **settings):
    """The reference solver's barycenter and its time in seconds (``solver_digest``: a cache
    key, see :func:`_cached_reference`)."""
    start = time.perf_counter()
    bary = sinkhorn_barycenter_2d(measures, weights, **settings)
    return bary, time.perf_counter() - start


def _pot(measures, weights, device=None):
    """POT's debiased barycenter of one problem: on float64 torch tensors on ``device`` (its
    torch backend, the targets' baseline), or on the numpy arrays where ``device`` is None.
    Both give the same answer; the torch backend is faster (scripts/compare_grid_solvers.py),
    and it is what a torch user would pick."""
    if device is not None:
        as_tensor = lambda a: torch.as_tensor(  # noqa: E731
            np.asarray(a), dtype=torch.float64, device=resolve_device(device)
        )
        measures, weights = as_tensor(measures), as_tensor(weights)
    bary = ot.bregman.convolutional_barycenter2d_debiased(
        measures, _POT_REG, weights=weights, warn=False
    )
    bary = np.nan_to_num(bary.cpu().numpy() if device is not None else bary)
    return bary / bary.sum()


def _images_barycenter(measures, weights, device):
    """GeomLoss's ImagesBarycenter of one problem, as a unit-mass grid (needs pykeops)."""
    as_tensor = lambda a: torch.as_tensor(  # noqa: E731
        np.asarray(a)[None], dtype=torch.float32, device=resolve_device(device)
    )
    bary = ImagesBarycenter(as_tensor(measures), as_tensor(weights), blur=_BLUR)
    bary = bary.double().cpu().numpy().reshape(np.shape(measures)[-2:])
    return bary / bary.sum()


def _solvers(size, args):
    """name -> solve(measures, weights) for one problem."""
    solvers = {
        name: (
            lambda m, w, settings=settings: sinkhorn_barycenter_2d(
                m, w, **settings, device=args.device
            )
        )
        for name, settings in _SOLVERS.items()
    }
    solvers["POT debiased"] = lambda m, w: _pot(m, w, args.device)
    if str(resolve_device(args.device)) == "cpu":  # on a GPU run it would time the host
        solvers[_POT_NUMPY_NAME] = _pot
    if _HAS_KEOPS and size <= args.max_images_size:
        solvers["ImagesBarycenter"] = lambda m, w: _images_barycenter(m, w, args.device)
    solvers["weighted mixture"] = lambda m, w: np.einsum("k,khw->hw", w, m)
    return solvers


def _family_scores(model, problems, family, size, args):
    """method -> {"l1": per-problem L1, "kl": per-problem KL, "seconds": per barycenter}."""
    estimates = {"predictor": _predict(model, problems)}
    network = _predict(model, problems, network_only=True)
    if not all(map(np.allclose, network[0], estimates["predictor"][0])):
        # predict refined the network's answer or returned an input or the mixture: also
        # score the network alone
        estimates[_NETWORK_NAME] = network
    for name, solve in _solvers(size, args).items():
        start = time.perf_counter()
        grids = [solve(p["measures"], p["weights"]) for p in problems]
        estimates[name] = (grids, (time.perf_counter() - start) / len(problems))
    if "reference_solver" in problems[0]:
        estimates[_REFERENCE_NAME] = (
            [p["reference_solver"] for p in problems],
            np.mean([p["reference_seconds"] for p in problems]),
        )
    references = np.stack([p["reference"] for p in problems])
    scores = {}
    for name, (grids, seconds) in estimates.items():
        grids = np.stack(grids)
        scores[name] = {
            "l1": _l1(references, grids),
            "kl": _kl(references, grids),
            "seconds": seconds,
        }
    return scores


def _predict(model, problems, network_only=False):
    """The predictor's barycenters, one batched ``predict`` per k, and the time per problem;
    with ``network_only``, its network's output even where ``predict`` returns an input."""
    predict = model._predict_network if network_only else model.predict
    by_k = defaultdict(list)
    for index, p in enumerate(problems):
        by_k[len(p["weights"])].append(index)
    predict(problems[0]["measures"][None], problems[0]["weights"][None])  # warm-up
    grids = [None] * len(problems)
    start = time.perf_counter()
    for indices in by_k.values():
        batch = predict(
            np.stack([problems[i]["measures"] for i in indices]),
            np.stack([problems[i]["weights"] for i in indices]),
        )
        for i, grid in zip(indices, batch):
            grids[i] = grid
    return grids, (time.perf_counter() - start) / len(problems)


def _kl(references, estimates):
    """KL(reference || estimate) of each problem."""
    ratio = np.log(np.maximum(references, _FLOOR)) - np.log(np.maximum(estimates, _FLOOR))
    return (references * ratio).sum((1, 2))


def _l1(references, estimates):
    return np.abs(references - estimates).sum((1, 2))


def _methods(results):
    """Method names in table order, without the rows of some families only (the reference
    solver's, the network alone)."""
    names = dict.fromkeys(name for scores in results.values() for name in scores)
    return [name for name in names if name not in (_REFERENCE_NAME, _NETWORK_NAME)]


def _mean_times(results, size):
    """method -> mean seconds per barycenter over the families at one size (None: not run)."""
    families = [scores for (s, _), scores in results.items() if s == size]
    return {
        name: (
            float(np.mean([f[name]["seconds"] for f in families]))
            if all(name in f for f in families)
            else None
        )
        for name in _methods(results)
    }


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


def _accuracy_table(results, convergence, size):
    """One row per family and method: mean L1 and KL to the reference, problems worse than
    the mixture, time; each family's first row names its reference and that one's own
    error: how far it moves when run tighter (``convergence``, per size and family), and
    its L1 to the exact answer on the closest known-answer family."""
    families = {family: scores for (s, family), scores in results.items() if s == size}
    unit, scale = time_unit([m["seconds"] for f in families.values() for m in f.values()])
    headers = [
        "family",
        "reference (its own error)",
        "method",
        "L1",
        "KL",
        "worse than mixture",
        f"time ({unit})",
    ]
    cells = []
    for family, scores in families.items():
        first = [family, _reference_cell(family, families, convergence.get((size, family)))]
        for name, score in scores.items():
            worse = _worse_than_mixture(score, scores) if name != "weighted mixture" else "-"
            cells.append(
                [
                    *(first if name == "predictor" else ["", ""]),
                    name,
                    f"{score['l1'].mean():.3g}",
                    f"{score['kl'].mean():.3g}",
                    worse,
                    format_time(score["seconds"], scale),
                ]
            )
    return headers, cells


def _reference_cell(family, families, moved):
    if family in _KNOWN_ANSWERS:
        return "exact (0)"
    closest = _CLOSEST_KNOWN_ANSWER.get(family, "location_scale_stars")
    known = families.get(closest, {}).get(_REFERENCE_NAME)
    floor = f"{known['l1'].mean():.3f} to exact on {closest}" if known else "not measured"
    tighter = _tighter_settings(family)
    run_to = f"tol={_tol_text(tighter['tol'])} or {tighter['max_iter']} iterations"
    label = _reference_label(_reference_settings(family))
    return f"{label} (moves {moved:.3f} run to {run_to}; {floor})"


def _worse_than_mixture(score, scores):
    return f"{_n_worse(score, scores)}/{len(score['l1'])}"


def _n_worse(score, scores):
    """Problems where a method is further from the reference than the mixture."""
    return int((score["l1"] > scores["weighted mixture"]["l1"] + _SAME_L1).sum())


def _targets_table(results):
    """Per size and family, each target's measured figures and whether it holds."""
    headers = [
        "size",
        "family",
        f"predictor L1 <= {_L1_RATIO}x POT's + {_L1_SLACK}",
        "predictor worse than mixture: 0",
        f"identical / one-hot: predictor L1 <= {_SELF_L1}",
        f"predictor >= {_PREDICTOR_SPEEDUP}x faster than POT",
        *(
            f"{name} >= {_SOLVER_SPEEDUP}x faster than POT, L1 <= POT's"
            for name in _SPEED_TARGET_SOLVERS
        ),
    ]
    cells = []
    for (size, family), scores in results.items():
        predictor, pot = scores["predictor"], scores["POT debiased"]
        bound = _L1_RATIO * pot["l1"].mean() + _L1_SLACK
        worse = _n_worse(predictor, scores)
        speedup = pot["seconds"] / predictor["seconds"]
        cells.append(
            [
                f"{size}^2",
                family,
                _verdict(
                    f"{predictor['l1'].mean():.3f} vs {bound:.3f}", predictor["l1"].mean() <= bound
                ),
                _verdict(_worse_cell(scores), worse == 0),
                _self_cell(family, predictor),
                _verdict(f"{speedup:,.0f}x", speedup >= _PREDICTOR_SPEEDUP),
                *(_solver_cell(scores[name], pot) for name in _SPEED_TARGET_SOLVERS),
            ]
        )
    return headers, cells


def _worse_cell(scores):
    """The predictor's problems worse than the mixture, and its network's where they differ."""
    cell = _worse_than_mixture(scores["predictor"], scores)
    if _NETWORK_NAME in scores:
        cell += f" (network alone {_worse_than_mixture(scores[_NETWORK_NAME], scores)})"
    return cell


def _solver_cell(solver, pot):
    speedup = pot["seconds"] / solver["seconds"]
    l1, pot_l1 = solver["l1"].mean(), pot["l1"].mean()
    return _verdict(
        f"{speedup:.1f}x, {l1:.3f} vs {pot_l1:.3f}", speedup >= _SOLVER_SPEEDUP and l1 <= pot_l1
    )


def _self_cell(family, predictor):
    if family not in _SELF_FAMILIES:
        return "-"
    return _verdict(f"{predictor['l1'].mean():.3f}", predictor["l1"].mean() <= _SELF_L1)


def _verdict(figures, holds):
    return f"{figures}: {'holds' if holds else 'fails'}"
