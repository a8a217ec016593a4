"""Training losses between grids, for a network that outputs log-probabilities."""

import torch
from torch import nn

# Floor of predicted probabilities before a logarithm: the solver's iterations leave exact
# zeros far from the inputs, which would make the KL infinite; at the floor such a cell
# costs 690 nats per unit of target mass.
PROBABILITY_FLOOR = 1e-300


class GridKLLoss(nn.Module):
    r"""Batch mean of :math:`\mathrm{KL}(b \,\|\, \hat b) = \sum_x b(x) \log(b(x) / \hat b(x))`.

    Taking log-probabilities (a log-softmax) avoids ``log(0)`` where the prediction
    underflows; pixels where the target is 0 contribute 0, as the limit says.

    Examples
    --------
    >>> import torch
    >>> target = torch.full((1, 4, 4), 1 / 16)
    >>> GridKLLoss()(target.log(), target).item()
    0.0
    """

    def forward(self, log_prediction, target):
        target = target.to(log_prediction.dtype)
        # xlogy(t, t) is 0 where t == 0; keeps the loss >= 0 and exactly 0 at the optimum.
        pointwise = torch.xlogy(target, target) - target * log_prediction
        return pointwise.flatten(1).sum(dim=1).mean()


class GridKLL1Loss(GridKLLoss):
    r"""Batch mean of :math:`\mathrm{KL}(b \,\|\, \hat b) + \sum_x |b(x) - \hat b(x)|`.

    Near its minimum the KL is quadratic in the relative error, so where the answer is
    close to smooth inputs (near-uniform densities) its gradient vanishes and small errors
    stay; the L1 term, the benchmark's metric, keeps a gradient proportional to them.

    Examples
    --------
    >>> import torch
    >>> target = torch.full((1, 4, 4), 1 / 16)
    >>> prediction = torch.full((1, 4, 4), 1 / 32)
    >>> prediction[0, :2] = 3 / 32  # the L1 distance to the target is 16 / 32
    >>> loss = GridKLL1Loss()(prediction.log(), target)
    >>> round(loss.item() - GridKLLoss()(prediction.log(), target).item(), 6)
    0.5
    """

    def forward(self, log_prediction, target):
        l1 = (log_prediction.exp() - target.to(log_prediction.dtype)).abs().flatten(1).sum(dim=1)
        return super().forward(log_prediction, target) + l1.mean()
