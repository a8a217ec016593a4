"""Do the estimators and the grid solver give on a GPU what they give on the CPU?

The test suite runs on CPUs only (CI has no GPU), so this is the check to run on a lent GPU
machine (``scripts/grid_gpu_run.sh`` runs it first). It prints, per method, the largest
difference between the CPU and the CUDA answers of the same problem, and whether the
estimators fit and sample on CUDA:

- ``sinkhorn_barycenter_2d`` at reg 0.004 (scaling domain) and 0.001 (log domain), 64^2
  contours, k = 3: float64 on both devices, so the answers agree to rounding;
- ``GridBarycenterPredictor.pretrained().predict``: float32 network, so they agree to
  float32 rounding carried through 10 solver iterations;
- ``NeuralBarycenter`` and ``FreeWeightBarycenter``: a short fit on each device; their
  samples differ (the devices draw different random numbers), so this prints the
  Bures-Wasserstein distance of each device's samples to the exact Gaussian barycenter.
"""

import time

import numpy as np
import torch

from sklearn_wb import (
    FreeWeightBarycenter,
    GridBarycenterPredictor,
    NeuralBarycenter,
    bures_wasserstein_distance,
    gaussian_barycenter,
)
from sklearn_wb.numerics import (
    GRID_FAMILIES,
    paper_gaussians,
    sample_gaussians,
    sinkhorn_barycenter_2d,
)

# CPU against CPU where no GPU is present: a smoke test of this script
DEVICES = ("cpu", "cuda" if torch.cuda.is_available() else "cpu")


def _on_both(solve):
    """solve(device) on both DEVICES: (cpu answer, cuda answer, cpu s, cuda s)."""
    answers, seconds = [], []
    for device in DEVICES:
        solve(device)  # warm-up: CUDA context, cuBLAS plans
        start = time.perf_counter()
        answers.append(np.asarray(solve(device)))
        seconds.append(time.perf_counter() - start)
    return (*answers, *seconds)


def _grid_checks():
    rng = np.random.default_rng(0)
    measures, weights = GRID_FAMILIES["contours"](3, 64, rng), rng.dirichlet(np.ones(3))
    model = GridBarycenterPredictor.pretrained()
    methods = {
        f"solver reg={reg}": lambda device, reg=reg: sinkhorn_barycenter_2d(
            measures, weights, reg=reg, device=device
        )
        for reg in (0.004, 0.001)
    }
    methods["predictor"] = lambda device: model.set_params(device=device).predict(
        measures[None], weights[None]
    )[0]
    for name, solve in methods.items():
        cpu, cuda, cpu_s, cuda_s = _on_both(solve)
        print(
            f"{name}: L1(cpu, cuda) {np.abs(cpu - cuda).sum():.2e}, max |diff| "
            f"{np.abs(cpu - cuda).max():.2e}; cpu {cpu_s * 1e3:.1f} ms, cuda {cuda_s * 1e3:.1f} ms",
            flush=True,
        )


def _estimator_checks():
    means, covs = paper_gaussians()
    X, y = sample_gaussians(means, covs, 2000, random_state=0)
    exact_mean, exact_cov = gaussian_barycenter(means, covs)
    for make in (NeuralBarycenter, FreeWeightBarycenter):
        for device in DEVICES:
            model = make(n_epochs=1, iterations_per_epoch=20, device=device, random_state=0)
            start = time.perf_counter()
            model.fit(X, y)
            uniform = (
                {"weights": np.full(len(means), 1 / len(means))}
                if make is FreeWeightBarycenter
                else {}
            )
            samples = model.sample(4000, random_state=0, **uniform)
            seconds = time.perf_counter() - start
            distance = bures_wasserstein_distance(
                samples.mean(0), np.cov(samples.T), exact_mean, exact_cov
            )
            print(
                f"{make.__name__} on {device}: finite {np.isfinite(samples).all()}, BW to the "
                f"exact barycenter {distance:.4f}, fit and sample {seconds:.1f} s",
                flush=True,
            )


if __name__ == "__main__":
    torch.set_num_threads(1)
    gpu = torch.cuda.get_device_name() if torch.cuda.is_available() else "no GPU"
    print(f"torch {torch.__version__}, {gpu}", flush=True)
    _grid_checks()
    _estimator_checks()
