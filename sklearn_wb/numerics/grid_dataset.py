"""Training examples (two measures, weights, barycenter) on a grid, as in the DCNN paper.

Random shape contours are drawn first (with their transport maps from the uniform
measure, the expensive part), then random pairs of them with weights
``(lambda, 1 - lambda)``, ``lambda ~ N(0.5, 0.32)`` clipped to [0, 1] as in the authors'
code, and the pair's linearised barycenter as the target (or an ``n_steps`` reference).

All work runs in chunks through :class:`joblib.Parallel`, so
``with joblib.parallel_backend("dask"):`` spreads it over a cluster unchanged. Each chunk
is seeded from a :class:`numpy.random.SeedSequence` and computes with one torch thread,
so the result depends on ``random_state`` only, not on ``n_jobs`` or the backend.
Finished chunks are saved (float32 ``.npz``) under ``cache_dir`` in a folder named after
the parameters, and skipped when found again: an interrupted build resumes.
"""

import hashlib
import json
from contextlib import contextmanager
from numbers import Integral
from pathlib import Path

import numpy as np
import torch
from joblib import Parallel, delayed
from sklearn.utils import Bunch, check_random_state
from tqdm.auto import tqdm

from .grid_reference import grid_barycenter, linearised_barycenter, uniform_transport_maps
from .shapes import random_shape_contours

_FORMAT = 1  # bump when generators or chunk contents change, to invalidate old caches
_WEIGHT_MEAN, _WEIGHT_STD = 0.5, 0.32


def build_grid_dataset(
    n_examples,
    size=64,
    *,
    n_shapes=None,
    n_steps=1,
    blur=0.01,
    scaling=0.9,
    cache_dir=None,
    n_jobs=1,
    batch_size=64,
    random_state=None,
    verbose=0,
):
    """Pairs of random shape contours, their weights and their Wasserstein barycenter.

    Parameters
    ----------
    n_examples : int
        Number of (pair, weights, barycenter) examples.
    size : int, default=64
        Side of the square grid, a power of 2.
    n_shapes : int or None, default=None
        Number of distinct shapes the pairs are drawn from; ``None`` means one per 10
        examples (at least 2), the paper's ratio (10k shapes for 100k pairs).
    n_steps : int, default=1
        1 gives the paper's linearised targets (one transport map per shape, then a
        cheap average per pair); more steps solve each pair with :func:`grid_barycenter`.
    blur, scaling : float, default=0.01, 0.9
        GeomLoss parameters, as in :func:`grid_barycenter`.
    cache_dir : str, path or None, default=None
        Where to save and find finished chunks; ``None`` keeps everything in memory.
        Resuming needs an integer ``random_state``.
    n_jobs : int, default=1
        Passed to :class:`joblib.Parallel`.
    batch_size : int, default=64
        Shapes or examples per chunk (one task and one file each).
    random_state : int, RandomState instance or None, default=None
        Seeds everything.
    verbose : int, default=0
        Show progress bars when positive.

    Returns
    -------
    dataset : :class:`~sklearn.utils.Bunch`
        ``measures`` (n_examples, 2, size, size), ``weights`` (n_examples, 2) and
        ``targets`` (n_examples, size, size), all float32 with unit-mass images and
        weights on the simplex; also ``shapes`` (n_shapes, size, size) float32 and
        ``pairs`` (n_examples, 2) int64, the shape indices of each example.

    Notes
    -----
    The cost is one transport map per shape (see :func:`uniform_transport_maps`); a
    linearised target then costs one splat. Measured with one torch thread, ``n_jobs=1``,
    10 examples per shape, on a shared 2-core machine: about 12.6 examples per CPU-second
    at 64 x 64 (0.8 s per shape) and 0.55 at 128 x 128 (18 s per shape), i.e.
    ``build_grid_dataset(200, 64, random_state=0)`` and ``(20, 128)``.

    Examples
    --------
    >>> from sklearn_wb.numerics import build_grid_dataset
    >>> data = build_grid_dataset(6, size=16, random_state=0)
    >>> data.measures.shape, data.weights.shape, data.targets.shape
    ((6, 2, 16, 16), (6, 2), (6, 16, 16))
    >>> data.targets.sum(axis=(1, 2)).round(4)
    array([1., 1., 1., 1., 1., 1.], dtype=float32)
    """
    n_shapes = max(2, -(-n_examples // 10)) if n_shapes is None else n_shapes
    if n_shapes < 2:
        raise ValueError(f"n_shapes must be at least 2 to draw pairs, got {n_shapes}.")
    seed = (
        int(random_state)
        if isinstance(random_state, Integral)
        else int(check_random_state(random_state).randint(np.iinfo(np.int32).max))
    )
    params = {
        "format": _FORMAT,
        "n_examples": n_examples,
        "size": size,
        "n_shapes": n_shapes,
        "n_steps": n_steps,
        "blur": blur,
        "scaling": scaling,
        "batch_size": batch_size,
        "seed": seed,
    }
    directory = _cache_directory(cache_dir, params)
    shape_seeds, pair_seeds = np.random.SeedSequence(seed).spawn(2)
    solver = {"blur": blur, "scaling": scaling}
    run = {"directory": directory, "n_jobs": n_jobs, "verbose": verbose}

    sizes = _chunk_sizes(n_shapes, batch_size)
    seeds = [_seed(s) for s in shape_seeds.spawn(len(sizes))]
    chunks = _run_chunks(
        "shapes",
        len(sizes),
        lambda i: delayed(_shape_chunk)(sizes[i], seeds[i], size, with_maps=n_steps == 1, **solver),
        **run,
    )
    shapes = np.concatenate([c["shapes"] for c in chunks])
    maps = np.concatenate([c["maps"] for c in chunks]) if n_steps == 1 else None

    sizes = _chunk_sizes(n_examples, batch_size)
    draws = [_draw_pairs(n, n_shapes, s) for n, s in zip(sizes, pair_seeds.spawn(len(sizes)))]
    chunks = _run_chunks(
        "pairs",
        len(draws),
        lambda i: _pair_task(*draws[i], shapes, maps, n_steps, solver),
        **run,
    )
    pairs = np.concatenate([pairs for pairs, _ in draws]).reshape(-1, 2)
    return Bunch(
        measures=shapes[pairs],
        weights=np.concatenate([weights for _, weights in draws]).reshape(-1, 2),
        targets=np.concatenate([c["targets"] for c in chunks]).reshape(-1, size, size),
        shapes=shapes,
        pairs=pairs,
    )


def _seed(seed_sequence):
    return int(seed_sequence.generate_state(1)[0])


def _chunk_sizes(n, batch_size):
    return [min(batch_size, n - start) for start in range(0, n, batch_size)]


def _cache_directory(cache_dir, params):
    if cache_dir is None:
        return None
    text = json.dumps(params, sort_keys=True)
    key = hashlib.sha256(text.encode()).hexdigest()[:16]
    directory = Path(cache_dir) / f"grid{params['size']}_{key}"
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "params.json").write_text(text)  # for humans browsing the cache
    return directory


@contextmanager
def _one_torch_thread():
    """Bit-identical results whatever the worker count, and no oversubscription."""
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def _shape_chunk(n_shapes, seed, size, *, with_maps, blur, scaling):
    shapes = random_shape_contours(n_shapes, size, random_state=seed).astype(np.float32)
    if not with_maps:
        return {"shapes": shapes}
    with _one_torch_thread():
        maps = uniform_transport_maps(shapes, blur=blur, scaling=scaling)
    return {"shapes": shapes, "maps": maps}


def _draw_pairs(n_examples, n_shapes, seed_sequence):
    """Two distinct shapes and weights (lambda, 1 - lambda) per example."""
    rng = np.random.default_rng(seed_sequence)
    first = rng.integers(n_shapes, size=n_examples)
    second = (first + rng.integers(1, n_shapes, size=n_examples)) % n_shapes
    lam = np.clip(rng.normal(_WEIGHT_MEAN, _WEIGHT_STD, size=n_examples), 0.0, 1.0)
    return np.stack([first, second], axis=1), np.stack([lam, 1 - lam], axis=1).astype(np.float32)


def _pair_task(pairs, weights, shapes, maps, n_steps, solver):
    """Ship only the shapes (or maps) this chunk uses: tasks may travel to other machines."""
    used, local = np.unique(pairs, return_inverse=True)
    local = local.reshape(pairs.shape)
    if n_steps == 1:
        return delayed(_linearised_chunk)(maps[used], local, weights)
    return delayed(_reference_chunk)(shapes[used], local, weights, n_steps, solver)


def _linearised_chunk(maps, pairs, weights):
    targets = [linearised_barycenter(maps[p], w) for p, w in zip(pairs, weights)]
    return {"targets": np.array(targets, dtype=np.float32)}


def _reference_chunk(shapes, pairs, weights, n_steps, solver):
    with _one_torch_thread():
        targets = [
            grid_barycenter(shapes[p], w, n_steps=n_steps, **solver) for p, w in zip(pairs, weights)
        ]
    return {"targets": np.array(targets, dtype=np.float32)}


def _run_chunks(name, n_chunks, make_task, *, directory, n_jobs, verbose):
    """Run the chunks not found on disk, saving each result as soon as it arrives.

    ``make_task(i)`` builds chunk i's delayed call only when joblib dispatches it, so a
    large dataset's task inputs are never all in memory at once.
    """
    paths = [
        None if directory is None else directory / f"{name}_{i:05d}.npz" for i in range(n_chunks)
    ]
    results = {}
    for i, path in enumerate(paths):
        if path is not None and path.exists():
            with np.load(path) as stored:
                results[i] = dict(stored)
    todo = [i for i in range(n_chunks) if i not in results]
    outputs = Parallel(n_jobs=n_jobs, return_as="generator")(make_task(i) for i in todo)
    with tqdm(total=n_chunks, initial=len(results), desc=name, disable=verbose <= 0) as bar:
        for i, output in zip(todo, outputs):
            if paths[i] is not None:
                _save(paths[i], output)
            results[i] = output
            bar.update()
    return [results[i] for i in range(n_chunks)]


def _save(path, arrays):
    """Write then rename, so an interruption never leaves a half-written chunk behind."""
    partial = path.with_name(path.stem + ".partial.npz")
    np.savez(partial, **arrays)
    partial.replace(path)
