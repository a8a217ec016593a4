r"""Debiased Sinkhorn barycenters of histograms on a 2-D grid, in torch.

Janati, Cuturi & Gramfort (2020) remove the entropic blur of the Sinkhorn barycenter by
minimising the debiased Sinkhorn divergence :math:`S_\varepsilon` instead of
:math:`OT_\varepsilon`:

.. math::

    b = \arg\min_b \sum_i \lambda_i S_\varepsilon(b, a_i), \qquad
    S_\varepsilon(a, b) = OT_\varepsilon(a, b)
        - \tfrac12 OT_\varepsilon(a, a) - \tfrac12 OT_\varepsilon(b, b).

Their fixed point iterates, with the Gibbs kernel :math:`K = e^{-C/\varepsilon}`,

.. math::

    v_i = b / K u_i, \quad u_i = a_i / K v_i, \quad
    b = d \odot \prod_i (K u_i)^{\lambda_i}, \quad d \leftarrow \sqrt{d \odot b / K d}.

On a grid with the squared Euclidean cost the kernel is separable: :math:`K` is a 1-D
Gaussian blur along the rows, then along the columns, two small matrix products. The
convention is POT's (``ot.bregman.convolutional_barycenter2d_debiased``): cells sit at
``linspace(0, 1, n)`` and :math:`K_{rs} = \exp(-(x_r - x_s)^2 / \mathrm{reg})`, so ``reg``
means the same in both. On a non-square grid both axes share the spacing
:math:`1 / (\max(H, W) - 1)` (POT stretches the shorter axis to the unit interval instead).

**Stability at small reg.** The scalings :math:`u, v, d` overflow once mass must travel
further than about :math:`\sqrt{700\,\mathrm{reg}}` (POT's default turns NaN at
``reg=1e-3`` between opposite corners). Here they are held as logarithms (the potentials
divided by reg), and the blur is two matrix products after one max-shift per image:
:math:`\log K e^{x} = m + \log K e^{x - m}`, :math:`m = \max x`. The shift is exact as long
as the dominant terms of the sum do not underflow; where a result falls below
:math:`\tfrac34 \log(\text{tiny})` they may have, and those images are redone with a shift
per row, then per column, and the vectors still suspect with an exact ``logsumexp``. In
float64 the shift loses at most :math:`2/\mathrm{reg}` in the exponent (:math:`1/\mathrm{reg}`
per axis), so nothing is redone for ``reg > 4e-3`` and no logsumexp runs for
``reg > 2e-3``; below, the fallbacks keep the solver finite at any reg.

**Speed at larger reg.** Where no kernel entry underflows in float64 (``reg`` above the
grid's largest squared distance over 708: ``2.8e-3`` on a square grid), one schedule stage
runs in the scaling domain first, as POT does, with no exponential or logarithm per blur:
1.5-1.8 times as fast, and equal to the log-domain iterates to rounding (1e-14 in L1, 64 x
64 stars, reg 0.004). If a scaling overflows, the problem is solved again in the log domain.

**Where it starts.** The debiasing step converges slowly, so the solver stops long before
the fixed point and its answer keeps a trace of the start. POT starts from a uniform
barycenter and unit input scalings (zero potentials). By default (``init="auto"``) two
things change:

- The input scalings start at the closed-form potentials of the inputs' Gaussian fits
  (:mod:`~sklearn_wb.numerics.grid_gaussian_potentials`), which already carry each input's
  mass the right way; the iterations find the rest. On ``reproduce grid``'s held-out
  problems at 64 x 64, after 10 iterations (the predictor's refinement): Gaussian blobs
  L1 0.026 -> 0.008, Gaussian mixtures 0.40 -> 0.21, smooth fields 0.22 -> 0.07, thin
  lines 1.24 -> 1.05, contours 0.98 -> 0.90, and no family further
  (``scripts/grid_solver_start_side_runs.py``). At the default ``tol`` the stop comes at
  about the same time, with smooth fields closer (0.057 -> 0.040) and no family further by
  more than 0.001.
- Problems in the linear regime, every input within L1 0.2 of the weighted mixture, start
  from that mixture instead of a uniform barycenter. On near-uniform products, whose
  answer is exact, the two together stop at L1 0.0015 at 64 x 64 where POT's start stops
  at 0.0125; POT itself scores 0.0026 in 30 times the time.

``init="uniform"`` is POT's start, bit for bit. Where every input of nonzero weight is one
image (one-hot weights, identical inputs) the answer is that image (the debiased divergence
vanishes only between equal measures), returned without iterating; from the uniform start,
to ``tol=1e-6`` (7-10 s at 64 x 64), the solver was still L1 0.10-0.13 away from it.

**Warm starts and training.** ``init`` starts the fixed point from a guessed barycenter
(and the Gaussian fits' potentials), after 10 steps that adapt the debiasing scaling
:math:`d` to it.
:func:`debiased_iterations` runs a fixed number of those iterations on tensors,
differentiably, so ``GridBarycenterPredictor`` trains its network through them; a cell
whose scaling underflowed gives no gradient instead of NaN.

References
----------
H. Janati, M. Cuturi, A. Gramfort. Debiased Sinkhorn barycenters. ICML 2020, PMLR 119,
4692-4701.

J. Solomon, F. de Goes, G. Peyré et al. Convolutional Wasserstein distances: efficient
optimal transportation on geometric domains. ACM Trans. Graph. 34(4), 2015.
"""

import math
from functools import partial
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.utils._param_validation import Interval, StrOptions, validate_params

from ._device import resolve_device
from .grid_gaussian_potentials import gaussian_log_scalings
from .grid_mixture import (
    distance_to_mixture,
    mixture_start,
    single_measure,
    weighted_mixtures,
)
from .grid_reference import check_grid_measures

_FALLBACK_ELEMENTS = 2**22  # logsumexp fallback in chunks of at most this many terms
# Steps of the debiasing scaling alone, d <- sqrt(d b / K d) with b held at ``init``, before the
# fixed point starts from a guess: they bring d (the self-transport scaling of b, 1 at POT's
# start) to the guess, so the first iteration neither blurs the guess away nor needs to be
# spent holding it. Each blurs one image where an iteration blurs 2k + 1; 10 reach d's fixed
# point (20 changed no L1 in the fourth digit). On reproduce grid's held-out problems, from
# the shipped predictor's answers, 10 iterations after them against 10 of which the first 2
# held the guess (the previous design; the benchmark page's runs before and after), mean L1
# at 64^2: strokes 0.758 -> 0.730, thin lines 1.251 -> 1.187, stars 0.251 -> 0.238,
# contours 0.912 -> 0.892, closer on 9 of 10 families; exact Gaussian blobs 0.014 -> 0.017
# (scripts/grid_warm_start_side_runs.py measures the steps at 10, 20 and 40 iterations).
_INIT_SCALING_STEPS = 10
# init="auto": problems whose inputs of nonzero weight all lie within this L1 of their
# weighted mixture start from it: the linear regime, as GridBarycenterPredictor's
# mixture_tol default. Further out the mixture start hurt in a side run at 64^2 (tol 1e-2):
# a Gaussian-blob problem at spread 0.57 went from L1 0.0011 to 0.0015, stars (one at 0.82)
# from 0.244 to 0.254 (scripts/grid_solver_start_side_runs.py measures the start).
_LINEAR_REGIME_SPREAD = 0.2


def _log_matvec(x, kernel, log_kernel):
    r""":math:`\log \sum_j K_{ij} e^{x_{\cdot j}}` along the last axis of ``x``.

    A max-shifted matrix product; vectors where the result may have lost its dominant
    terms to underflow are recomputed with an exact logsumexp.
    """
    shape = x.shape
    x = x.reshape(-1, shape[-1])
    shift = x.amax(dim=-1, keepdim=True)
    has_mass = torch.isfinite(shift)
    shift = torch.where(has_mass, shift, torch.zeros_like(shift))  # all -inf: result -inf
    out = torch.log(torch.exp(x - shift) @ kernel)  # the kernel is symmetric
    threshold = 0.75 * math.log(torch.finfo(x.dtype).tiny)
    suspect = ((out < threshold).any(dim=-1, keepdim=True) & has_mass).squeeze(-1)
    if suspect.any():
        rows = suspect.nonzero().squeeze(-1)
        out[rows] = _exact_log_matvec(x[rows], log_kernel) - shift[rows]
    return (out + shift).reshape(shape)


def _exact_log_matvec(x, log_kernel):
    n = log_kernel.shape[0]
    chunk = max(1, _FALLBACK_ELEMENTS // (n * n))
    return torch.cat(
        [
            torch.logsumexp(log_kernel + x[start : start + chunk, None, :], dim=-1)
            for start in range(0, len(x), chunk)
        ]
    )


def _spacing(shape):
    """Distance between neighbouring cells of an (H, W) grid: the longer side spans [0, 1]."""
    return 1.0 / (max(shape) - 1)


def _axis_kernels(shape, reg, dtype, device):
    """Per axis, the 1-D Gibbs kernel and its logarithm (cells at ``spacing`` apart)."""
    spacing = _spacing(shape)
    kernels = []
    for n in shape:
        x = torch.arange(n, dtype=dtype, device=device) * spacing
        log_kernel = -((x[:, None] - x[None, :]) ** 2) / reg
        kernels.append((torch.exp(log_kernel), log_kernel))
    return kernels


def _kernel_is_positive(kernels):
    """Every entry of the 2-D Gibbs kernel (a product of the axes' entries) is a normal
    float: the scaling domain is exact."""
    (kernel_h, _), (kernel_w, _) = kernels
    return float(kernel_h.min()) * float(kernel_w.min()) >= torch.finfo(kernel_h.dtype).tiny


class _LogBlur:
    """Separable log-domain Gibbs blur of (..., H, W) images.

    Fast path: one max-shift per image and two matrix products. Images where the result
    may have underflowed are redone axis by axis with a shift per row, then per column
    (:func:`_log_matvec`), which also falls back to the exact logsumexp where needed.
    """

    def __init__(self, shape, reg, dtype, device):
        self.axes = _axis_kernels(shape, reg, dtype, device)
        self.threshold = 0.75 * math.log(torch.finfo(dtype).tiny)

    def __call__(self, log_images):
        (kernel_h, _), (kernel_w, _) = self.axes
        shift = log_images.amax(dim=(-2, -1), keepdim=True)
        out = torch.log(kernel_h @ torch.exp(log_images - shift) @ kernel_w) + shift
        suspect = (out - shift < self.threshold).any(dim=-1).any(dim=-1)
        if suspect.any():
            out[suspect] = self._by_axis(log_images[suspect])
        return out

    def _by_axis(self, log_images):
        (kernel_h, log_kernel_h), (kernel_w, log_kernel_w) = self.axes
        blurred = _log_matvec(log_images, kernel_w, log_kernel_w).transpose(-1, -2)
        return _log_matvec(blurred, kernel_h, log_kernel_h).transpose(-1, -2)


def _annealing_schedule(reg, reg_start, n_stages):
    """Geometric decrease from reg_start to reg (just reg without reg_start)."""
    if reg_start is None:
        return [reg]
    return list(np.geomspace(reg_start, reg, n_stages))


def _check_annealing(reg, reg_start, n_stages):
    """An annealing schedule needs both: a reg_start above reg and n_stages >= 2."""
    if reg_start is None and n_stages > 1:
        raise ValueError(
            f"n_stages={n_stages} anneals from reg_start, which is None: pass a reg_start "
            f"above reg={reg}, or n_stages=1."
        )
    if reg_start is not None and n_stages == 1:
        raise ValueError(
            f"reg_start={reg_start} needs n_stages >= 2 (the number of regs from reg_start "
            "to reg), got n_stages=1."
        )
    if reg_start is not None and reg_start <= reg:
        raise ValueError(
            f"reg_start={reg_start} must exceed reg={reg}: the schedule decreases from "
            "reg_start to reg."
        )


def _debiased_sinkhorn(log_measures, weights, blur, state, *, tol, max_iter, check_every):
    """Iterate the debiased fixed point in the log domain; ``state`` is updated in place.
    Stops by :class:`_StoppingRule`."""
    stop = _StoppingRule(tol, check_every)
    for iteration in range(1, max_iter + 1):
        log_v = state["log_bar"].unsqueeze(-3) - state["log_ku"]
        # d's blur only needs the previous d: one call blurs the k images of v and d
        blurred = blur(torch.cat([log_v, state["log_d"].unsqueeze(-3)], dim=-3))
        state["log_u"] = log_measures - blurred[..., :-1, :, :]
        state["log_ku"] = blur(state["log_u"])
        log_bar = state["log_d"] + (weights[..., None, None] * state["log_ku"]).sum(dim=-3)
        # the paper's averaged step; a full step (d = b / Kd) oscillated in our measurements
        state["log_d"] = 0.5 * (state["log_d"] + log_bar - blurred[..., -1, :, :])
        state["log_bar"] = log_bar
        if stop(iteration, partial(torch.exp, log_bar)):
            break
    return iteration


class _StoppingRule:
    """Every ``check_every`` iterations: stop when, in every problem of the batch, the
    unit-mass barycenter moved by less than ``tol`` in L1 in the last iteration.

    The last iteration's move, not the mean move since the previous check: both agree where
    convergence is slow (the stop came within 10 iterations of the mean's, L1 within 0.002
    of it at tol 1e-3, at 64 x 64 on every family of ``reproduce grid``), but the mean
    over the first 10 includes the jump away from the start, so a problem settled after 10
    iterations ran 20 (exact Gaussian blobs, near-uniform products).
    """

    def __init__(self, tol, check_every):
        self.tol, self.check_every, self.previous = tol, check_every, None

    def __call__(self, iteration, barycenters):
        """Whether to stop after ``iteration``; ``barycenters()`` gives the iterate."""
        if iteration % self.check_every == 0 and self.previous is not None:
            moved = (_unit_mass(barycenters()) - self.previous).abs().sum(dim=(-2, -1))
            if float(moved.max()) < self.tol:
                return True
        if (iteration + 1) % self.check_every == 0:
            self.previous = _unit_mass(barycenters())
        return False


def _unit_mass(bar):
    """The barycenters the solver returns. The stopping rule compares these: the iterates'
    mass swings (x -1/2 in log per iteration) long after their shape has settled where the
    start's scale is off, as with the Gaussian potentials' (1e-21 to 3e8 in the first 5)."""
    return bar / bar.sum(dim=(-2, -1), keepdim=True)


def _finite_gradients(*tensors):
    """Gradients with respect to ``tensors`` with their non-finite entries set to 0.

    Where a scaling underflowed, the backward pass meets 0 * inf (d log(x) / dx = 1 / x,
    d (a / b) / db = -a / b^2): NaN, which the next blur spreads over the whole image and
    one example over the whole batch's update. Those cells carry no mass, so they give no
    gradient instead. Forward values are unchanged.
    """
    for tensor in tensors:
        if tensor.requires_grad:
            tensor.register_hook(
                lambda grad: torch.nan_to_num(grad, nan=0.0, posinf=0.0, neginf=0.0)
            )


def _scaling_sinkhorn(measures, weights, kernels, init, *, tol, max_iter, check_every, log_u=None):
    """The same fixed point, start and stopping rule as :func:`_debiased_sinkhorn`, on the
    scalings themselves: two matrix products per blur. ``log_u`` are the input scalings'
    logarithms at the start (None: 0, POT's). Returns the barycenters, or None where a
    scaling overflowed (the caller goes to the log domain)."""
    (kernel_h, _), (kernel_w, _) = kernels
    blur = lambda x: kernel_h @ x @ kernel_w  # noqa: E731
    bar = torch.full_like(measures[:, 0], 1.0 / measures[0, 0].numel()) if init is None else init
    d = torch.ones_like(bar)
    if init is not None:
        for _ in range(_INIT_SCALING_STEPS):
            d = torch.sqrt(d * bar / blur(d))
            _finite_gradients(d)
    k_u = blur(torch.ones_like(measures) if log_u is None else torch.exp(log_u))
    stop = _StoppingRule(tol, check_every)
    for iteration in range(1, max_iter + 1):
        blurred = blur(torch.cat([bar.unsqueeze(-3) / k_u, d.unsqueeze(-3)], dim=-3))
        k_u = blur(measures / blurred[..., :-1, :, :])
        bar = d * torch.exp((weights[..., None, None] * torch.log(k_u)).sum(dim=-3))
        d = torch.sqrt(d * bar / blurred[..., -1, :, :])
        _finite_gradients(blurred, k_u, bar, d)
        if iteration % check_every == 0 or iteration == max_iter:
            if not (torch.isfinite(bar).all() and torch.isfinite(d).all()):
                return None
        if stop(iteration, bar.detach):
            break
    return bar


@validate_params(
    {
        "measures": ["array-like"],
        "weights": ["array-like", None],
        "reg": [Interval(Real, 0, None, closed="neither")],
        "tol": [Interval(Real, 0, None, closed="neither")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "reg_start": [Interval(Real, 0, None, closed="neither"), None],
        "n_stages": [Interval(Integral, 1, None, closed="left")],
        "init": [StrOptions({"auto", "uniform"}), "array-like"],
        "device": [str, torch.device],
    },
    prefer_skip_nested_validation=True,
)
def sinkhorn_barycenter_2d(
    measures,
    weights=None,
    *,
    reg=0.004,
    tol=1e-3,
    max_iter=2000,
    reg_start=None,
    n_stages=1,
    init="auto",
    device="cpu",
):
    r"""Debiased Sinkhorn barycenter of histograms on a 2-D grid.

    Solves :math:`\min_b \sum_i \lambda_i S_\varepsilon(b, a_i)` with the fixed point of
    Janati et al. (2020) and separable log-domain blurs (see the module docstring), for a
    batch of problems at once.

    Parameters
    ----------
    measures : array-like of shape (..., k, H, W)
        Non-negative images with positive mass (rescaled to unit mass), ``k >= 1`` per
        problem. Where every input of nonzero weight is one image (``k = 1``, one-hot
        weights, identical inputs), that image is the exact answer, returned as it is.
    weights : array-like of shape (..., k) or None, default=None
        Barycentric weights on the simplex; ``None`` means uniform.
    reg : float, default=0.004
        Entropic regularisation :math:`\varepsilon`, with POT's convention: cells at
        ``linspace(0, 1, max(H, W))`` and kernel :math:`\exp(-|x - y|^2 / \mathrm{reg})`.
    tol : float, default=1e-3
        Stop when, in every problem, the barycenter (as a unit-mass grid) moved by less
        than ``tol`` in L1 in one iteration, checked every 10. The debiasing step converges
        slowly on sharp shapes (it deconvolves the kernel): ``1e-3`` already beats POT's
        default stopping on the known-answer problems; ``3e-4`` gains about 10% in L1
        there for 2-3x the time.
    max_iter : int, default=2000
        Iterations per stage of the reg schedule.
    reg_start : float or None, default=None
        First reg of an epsilon-annealing schedule (geometric, ``n_stages`` values ending
        at ``reg``), each stage warm-started from the previous potentials; above ``reg``.
    n_stages : int, default=1
        Number of stages of the schedule: at least 2 with ``reg_start``, else 1.
    init : {"auto", "uniform"} or array-like of shape (..., H, W), default="auto"
        Where the fixed point starts. ``"uniform"`` is POT's start: a uniform barycenter
        and unit input scalings. ``"auto"`` starts the input scalings at the closed-form
        potentials of the inputs' Gaussian fits instead, and, in the linear regime (every
        input of nonzero weight within L1 0.2 of the weighted mixture), the barycenter at
        the mixture with a share of uniform mass (the spread, at least 0.1) so that no cell
        starts at 0. Early stopping keeps a trace of the start: from POT's, near-uniform
        products stopped 8x further from their exact barycenter (see the module docstring).
        An array gives starting barycenters (a guess, rescaled to unit mass), with the
        Gaussian potentials; 10 steps of the debiasing scaling alone (one blur each) first
        adapt to it, then the fixed point moves the barycenter. Cells where the guess is 0
        stay 0. ``GridBarycenterPredictor`` starts here from its network's answer.
    device : str or torch.device, default="cpu"
        ``"auto"`` uses CUDA when present.

    Returns
    -------
    barycenters : ndarray of shape (..., H, W), dtype float64
        Non-negative, each summing to 1.

    References
    ----------
    H. Janati, M. Cuturi, A. Gramfort. Debiased Sinkhorn barycenters. ICML 2020.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_wb.numerics import sinkhorn_barycenter_2d
    >>> measures = np.zeros((2, 16, 16))
    >>> measures[0, 3:5, 3:5] = measures[1, 11:13, 9:11] = 1.0
    >>> bary = sinkhorn_barycenter_2d(measures, [0.5, 0.5], reg=0.002)
    >>> rows, cols = np.indices(bary.shape)
    >>> centre = [round(float((index * bary).sum()), 6) for index in (rows, cols)]
    >>> bary.shape, round(float(bary.sum()), 6), centre
    ((16, 16), 1.0, [7.5, 6.5])
    """
    _check_annealing(reg, reg_start, n_stages)
    measures, weights = check_grid_measures(measures, weights)
    batch_shape, image_shape = measures.shape[:-3], measures.shape[-2:]
    if not isinstance(init, str):
        init = _check_init(init, (*batch_shape, *image_shape)).reshape(-1, *image_shape)
    bary = checked_sinkhorn_barycenters(
        measures.reshape(-1, *measures.shape[-3:]),
        weights.reshape(-1, weights.shape[-1]),
        reg=reg,
        tol=tol,
        max_iter=max_iter,
        reg_start=reg_start,
        n_stages=n_stages,
        init=init,
        device=device,
    )
    return bary.reshape(*batch_shape, *image_shape)


def checked_sinkhorn_barycenters(
    measures, weights, *, reg, tol, max_iter, init, device, reg_start=None, n_stages=1
):
    """:func:`sinkhorn_barycenter_2d` of a batch its caller has checked: (n, k, H, W)
    measures and (n, k) weights as :func:`check_grid_measures` returns them, ``init``
    ``"auto"``, ``"uniform"`` or (n, H, W) unit-mass grids, and valid settings (``tol=0``
    runs exactly ``max_iter`` iterations). Nothing is validated again:
    ``GridBarycenterPredictor.predict`` checks its inputs once and calls this (at 512^2 each
    validation pass over the grids costs milliseconds on the host). Returns (n, H, W)
    unit-mass barycenters."""
    bary = np.empty((len(measures), *measures.shape[-2:]))
    single = single_measure(measures, weights)
    bary[single] = measures[single, weights[single].argmax(axis=1)]
    schedule = _annealing_schedule(reg, reg_start, n_stages)
    settings = {
        "schedule": schedule,
        "tol": tol,
        "max_iter": max_iter,
        "device": resolve_device(device),
    }
    # POT's start is bit for bit POT's; every other start has the fits' potentials
    settings["gaussian_potentials"] = not (isinstance(init, str) and init == "uniform")
    for problems, start in _starts(measures, weights, init, ~single):
        bary[problems] = _solve(measures[problems], weights[problems], start, **settings)
    return bary


def _starts(measures, weights, init, problems):
    """(problem mask, starting barycenters or None for a uniform one) per group of the
    ``problems`` to solve: one group, or under ``init="auto"`` those in the linear regime,
    from their mixture, and the others."""
    if not problems.any():  # every answer is an input: no mixtures to compute
        return []
    if not isinstance(init, str):
        groups = [(problems, init[problems])]
    elif init == "uniform":
        groups = [(problems, None)]
    else:
        mixtures = weighted_mixtures(measures, weights)
        spread = distance_to_mixture(measures, weights, mixtures)
        linear = problems & (spread < _LINEAR_REGIME_SPREAD)
        start = mixture_start(mixtures[linear], spread[linear])
        groups = [(linear, start), (problems & ~linear, None)]
    return [(group, start) for group, start in groups if group.any()]


def _solve(measures, weights, init, *, schedule, tol, max_iter, device, gaussian_potentials):
    """Unit-mass barycenters (n, H, W) of (n, k, H, W) measures from ``init`` (None: a
    uniform one), the input scalings at 1 or, with ``gaussian_potentials``, at the Gaussian
    fits' potentials: the scaling domain where it is exact and stays finite, else the log
    domain."""
    # float64: float32 products underflow beyond exp(-87) and fall back to logsumexp at
    # reg 0.004 already, which made them 10-100x slower (measured at 64 x 64)
    as_tensor = lambda a: torch.as_tensor(a, dtype=torch.float64, device=device)  # noqa: E731
    measures, weights = as_tensor(measures), as_tensor(weights)
    init = None if init is None else as_tensor(init)
    log_u = None
    if gaussian_potentials:
        spacing = _spacing(measures.shape[-2:])
        log_u = gaussian_log_scalings(measures, weights, schedule[0], spacing)
    bary = None
    kernels = _axis_kernels(measures.shape[-2:], schedule[0], measures.dtype, device)
    if len(schedule) == 1 and _kernel_is_positive(kernels):
        bary = _scaling_sinkhorn(
            measures,
            weights,
            kernels,
            init,
            tol=tol,
            max_iter=max_iter,
            check_every=10,
            log_u=log_u,
        )
    if bary is None:
        bary = _log_domain_barycenter(
            measures, weights, init, schedule, tol, max_iter, device, log_u
        )
    bary = bary.double().cpu().numpy()
    return bary / bary.sum(axis=(-2, -1), keepdims=True)


def debiased_iterations(measures, weights, init, *, reg, n_iterations):
    """``n_iterations`` of the debiased fixed point from the barycenters ``init`` (after the
    steps that adapt the debiasing scaling to them) and the Gaussian fits' potentials, as
    :func:`sinkhorn_barycenter_2d` from an array, on the scalings: differentiable, no
    stopping rule.

    Parameters
    ----------
    measures : torch.Tensor of shape (B, k, H, W)
        Unit-mass images, float64 (float32 kernels underflow at small reg).
    weights : torch.Tensor of shape (B, k)
    init : torch.Tensor of shape (B, H, W)
        Positive unit-mass guesses.
    reg : float
        Above :func:`scaling_domain_min_reg` of the grid.
    n_iterations : int

    Returns
    -------
    torch.Tensor of shape (B, H, W)
        Unit-mass barycenters; gradients flow to ``init``.

    Raises
    ------
    ValueError
        Where the kernel underflows or a scaling overflows (the log domain, which
        handles both, has no finite gradients there).
    """
    kernels = _axis_kernels(measures.shape[-2:], reg, measures.dtype, measures.device)
    bary = None
    if _kernel_is_positive(kernels):
        bary = _scaling_sinkhorn(
            measures,
            weights,
            kernels,
            init,
            tol=0.0,
            max_iter=n_iterations,
            check_every=n_iterations,
            log_u=gaussian_log_scalings(measures, weights, reg, _spacing(measures.shape[-2:])),
        )
    if bary is None:
        raise ValueError(
            f"The solver's scalings over- or underflow at reg={reg} on a "
            f"{tuple(measures.shape[-2:])} grid; iterations through which gradients flow "
            f"need reg > {scaling_domain_min_reg(measures.shape[-2:]):.3g} there."
        )
    return bary / bary.sum(dim=(-2, -1), keepdim=True)


def scaling_domain_min_reg(shape):
    """The smallest reg whose Gibbs kernel on an (H, W) grid has no entry that underflows
    in float64: the squared diagonal over -log(tiny), 2.8e-3 on a square grid."""
    height, width = ((n - 1) / (max(shape) - 1) for n in shape)
    return (height**2 + width**2) / -math.log(torch.finfo(torch.float64).tiny)


def _check_init(init, shape):
    """``init`` as unit-mass grids of the barycenters' ``shape``."""
    init = np.asarray(init)
    if init.shape != shape:
        raise ValueError(f"init must have the barycenters' shape {shape}, got {init.shape}.")
    return check_grid_measures(init[..., None, :, :], name="init")[0][..., 0, :, :]


def _log_domain_barycenter(measures, weights, init, schedule, tol, max_iter, device, log_u=None):
    """Barycenters (batch, H, W) by the log-domain fixed point along the reg schedule,
    from ``init`` (None: a uniform barycenter) and the log input scalings ``log_u`` at the
    schedule's first reg (None: 0)."""
    log_measures = torch.log(measures)
    image_shape = measures.shape[-2:]
    state = _initial_state(log_measures, init, log_u)
    previous_reg = None
    for stage_reg in schedule:
        blur = _LogBlur(image_shape, stage_reg, log_measures.dtype, device)
        if previous_reg is None and init is not None:
            for _ in range(_INIT_SCALING_STEPS):
                state["log_d"] = 0.5 * (state["log_d"] + state["log_bar"] - blur(state["log_d"]))
        _rescale(state, previous_reg, stage_reg, blur)
        _debiased_sinkhorn(
            log_measures,
            weights,
            blur,
            state,
            tol=tol,
            max_iter=max_iter,
            check_every=10,
        )
        previous_reg = stage_reg
    return torch.exp(state["log_bar"])


def _initial_state(log_measures, init=None, log_u=None):
    """Unit scalings and the barycenter ``init``, or POT's start: a uniform one."""
    zeros = torch.zeros_like(log_measures)
    n_cells = log_measures.shape[-1] * log_measures.shape[-2]
    if init is None:
        log_bar = torch.full_like(log_measures[:, 0], -math.log(n_cells))
    else:
        log_bar = torch.log(init)
    return {
        "log_u": zeros if log_u is None else log_u,
        "log_ku": None,
        "log_d": torch.zeros_like(log_bar),
        "log_bar": log_bar,
    }


def _rescale(state, previous_reg, reg, blur):
    """Warm start at a new reg: scalings are potentials / reg, so they scale by the ratio."""
    if previous_reg is not None:
        state["log_u"] = state["log_u"] * (previous_reg / reg)
        state["log_d"] = state["log_d"] * (previous_reg / reg)
    state["log_ku"] = blur(state["log_u"])
