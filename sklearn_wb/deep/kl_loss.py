"""KL(target || prediction) between grids, for a network that outputs log-probabilities."""

import torch
from torch import nn


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
