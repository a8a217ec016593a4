"""The skorch net of GridBarycenterPredictor: its loss scores what ``predict`` returns."""

import torch
from skorch import NeuralNet

from ..numerics.grid_sinkhorn import debiased_iterations
from .grid_loss import PROBABILITY_FLOOR


class SolverRefinedNet(NeuralNet):
    """skorch net whose loss compares the targets with the network's answer after
    ``solver_iterations`` debiased Sinkhorn iterations from it, as ``predict`` runs them:
    the network learns a warm start for the solver. In float64, on the training grid.

    Parameters
    ----------
    solver_iterations : int
        0 scores the network's answer itself.
    solver_reg : float
    **kwargs
        Passed to :class:`skorch.NeuralNet`.
    """

    def __init__(self, *args, solver_iterations=0, solver_reg=0.004, **kwargs):
        super().__init__(*args, **kwargs)
        self.solver_iterations = solver_iterations
        self.solver_reg = solver_reg

    def get_loss(self, y_pred, y_true, X=None, training=False):
        if not self.solver_iterations:
            return super().get_loss(y_pred, y_true, X=X, training=training)
        # The iterations keep the scored answer sane even when the network runs away (lr
        # too large), so the network's own loss is recorded for DivergenceGuard.
        own = super().get_loss(y_pred.detach(), y_true, X=X, training=training)
        self.history.record_batch(f"{'train' if training else 'valid'}_network_loss", own.item())
        refined = self._refined_log_barycenters(y_pred, X)
        return super().get_loss(refined, y_true, X=X, training=training)

    def _refined_log_barycenters(self, log_guesses, X):
        as_float64 = lambda t: torch.as_tensor(t).to(log_guesses.device, torch.float64)  # noqa: E731
        bary = debiased_iterations(
            as_float64(X["measures"]),
            as_float64(X["weights"]),
            torch.exp(log_guesses.double()),
            reg=self.solver_reg,
            n_iterations=self.solver_iterations,
        )
        return torch.log(bary.clamp_min(PROBABILITY_FLOOR))
