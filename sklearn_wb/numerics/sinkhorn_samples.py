r"""GeomLoss's Sinkhorn divergence between sample sets, 3-6x faster on CPU.

``sinkhorn_divergence`` is ``geomloss.SamplesLoss("sinkhorn", p=2, backend="tensorized")``
(balanced): GeomLoss's own ε-scaling loop, debiasing and gradients, with its soft-min
computed by :func:`.underflow_safe_exp.logsumexp`. At a small blur most soft-min terms
underflow, and torch's CPU ``exp`` takes a slow path on them. On one core, between
(3, N, 2) float32 clouds at blur 0.05 and ε-scaling 0.8, a forward and backward pass took
0.0125 against 0.054 s at N = 128 and 0.11-0.16 against 0.55-0.62 s at N = 400, with the
same value (float64: to 1e-15 relative) and gradients."""

import torch
from geomloss._legacy.sinkhorn_divergence import (
    log_weights,
    scaling_parameters,
    sinkhorn_cost,
    sinkhorn_loop,
)
from geomloss._legacy.sinkhorn_samples import cost_routines

from .underflow_safe_exp import logsumexp

# GeomLoss's cost for p = 2, |x - y|^2 / 2, shape (batch, n, m).
_half_squared_distances = cost_routines[2]


def sinkhorn_divergence(x, y, *, blur, scaling, debias=True, potentials=False, diameter=None):
    r"""Sinkhorn divergence (or its dual potentials) between uniformly weighted samples.

    The cost is :math:`\|x - y\|^2 / 2`, so the divergence estimates :math:`W_2^2 / 2`.

    Parameters
    ----------
    x : torch.Tensor of shape (n, d) or (batch, n, d)
    y : torch.Tensor of shape (m, d) or (batch, m, d)
    blur : float
        Entropic scale: :math:`\varepsilon` = blur².
    scaling : float
        Ratio of successive blurs in the ε-scaling descent, in (0, 1).
    debias : bool, default=True
        The debiased divergence :math:`S_\varepsilon`, or the entropic OT cost.
    potentials : bool, default=False
        Return the dual potentials on x and on y instead of the value.
    diameter : float or None, default=None
        First blur of the descent; None estimates it from the points.

    Returns
    -------
    value : torch.Tensor of shape () or (batch,)
        Or, with ``potentials=True``, a pair of tensors of shapes (..., n) and (..., m).

    Examples
    --------
    >>> import torch
    >>> from sklearn_wb.numerics import sinkhorn_divergence
    >>> x = torch.randn(200, 2, generator=torch.Generator().manual_seed(0))
    >>> value = sinkhorn_divergence(x, x + torch.tensor([1.0, 0.0]), blur=0.05, scaling=0.8)
    >>> round(2 * value.item(), 2)  # W2^2 of a unit translation
    1.0
    """
    _check_clouds(x, y)
    batched = x.dim() == 3
    if not batched:
        x, y = x[None], y[None]
    a, b = _uniform_weights(x), _uniform_weights(y)
    # The right-hand points are detached as in GeomLoss (see its sinkhorn_loop).
    cost_xx = _half_squared_distances(x, x.detach()) if debias else None
    cost_yy = _half_squared_distances(y, y.detach()) if debias else None
    cost_xy = _half_squared_distances(x, y.detach())
    cost_yx = _half_squared_distances(y, x.detach())
    _, eps, eps_list, rho = scaling_parameters(x, y, 2, blur, None, diameter, scaling)
    f_aa, g_bb, g_ab, f_ba = sinkhorn_loop(
        _softmin,
        log_weights(a),
        log_weights(b),
        cost_xx,
        cost_yy,
        cost_xy,
        cost_yx,
        eps_list,
        rho,
        debias=debias,
    )
    out = sinkhorn_cost(
        eps, rho, a, b, f_aa, g_bb, g_ab, f_ba, batch=True, debias=debias, potentials=potentials
    )
    if batched:
        return out
    return (out[0][0], out[1][0]) if potentials else out[0]


def _check_clouds(x, y):
    if x.dim() not in (2, 3) or y.dim() != x.dim():
        raise ValueError(
            "x and y must both be (n, d) or both (batch, n, d) tensors; got shapes "
            f"{tuple(x.shape)} and {tuple(y.shape)}."
        )
    if x.shape[:-2] != y.shape[:-2] or x.shape[-1] != y.shape[-1]:
        raise ValueError(
            "x and y must have the same batch size and number of features; got shapes "
            f"{tuple(x.shape)} and {tuple(y.shape)}."
        )
    if 0 in x.shape[-2:] or 0 in y.shape[-2:]:
        raise ValueError(f"x and y need points; got shapes {tuple(x.shape)} and {tuple(y.shape)}.")


def _softmin(eps, cost, h):
    """GeomLoss's soft-C-transform: -eps log sum_j exp(h_j - cost_ij / eps)."""
    return -eps * logsumexp(torch.add(h[:, None, :], cost, alpha=-1 / eps), dim=2)


def _uniform_weights(points):
    batch, n, _ = points.shape
    return points.new_full((batch, n), 1.0 / n)
