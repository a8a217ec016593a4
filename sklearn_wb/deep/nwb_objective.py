"""The NWB min-max-min objective (paper eq. (10)), split into the terms each player moves.

For potentials f_i (barycenter -> measure i), g_i (measure i -> barycenter) and samples
x = h(z) of the barycenter, with J_i the paper's batch estimate,

    J_i = mean_j [ f_i(grad g_i(Y_ij)) - <Y_ij, grad g_i(Y_ij)> - f_i(x_j) ],

g decreases J + lambda * R(g) and f increases J. The paper's h decreases
sum_i a_i J_i + 1/2 mean ||x||^2; here h moves in the fixed-point rounds of
:mod:`.fixed_point` instead, whose regression target sum_i a_i grad f_i(x) zeroes the
gradient of that loss. The f_i and g_i problems are independent across i, so their
terms are summed without the weights a_i: the optimum is the same for a_i > 0, and
a measure with weight 0 still gets its maps, which transform() and score() use.
"""

import torch
from torch import nn


class NWBObjective(nn.Module):
    """Loss terms of NWB-I for the g- and f-steps, and the estimated barycenter cost.

    Parameters
    ----------
    convexity_penalty : float, default=0.1
        lambda of R(g) = lambda * sum_l ||max(-W_l, 0)||_F^2 (g is penalised, f clipped).
    """

    def __init__(self, convexity_penalty=0.1):
        super().__init__()
        self.convexity_penalty = convexity_penalty

    @staticmethod
    def conjugate_terms(f, g, samples, create_graph):
        """Per-potential mean of f_i(grad g_i(Y)) - <Y, grad g_i(Y)>, shape (n_potentials,).

        Minimised over g this is -f_i^*(Y): the semi-dual's conjugate term.
        """
        mapped = g.gradient(samples, create_graph=create_graph)
        return (f(mapped) - (samples * mapped).sum(-1)).mean(-1)

    def g_loss(self, f, g, samples):
        conjugate = self.conjugate_terms(f, g, samples, create_graph=True)
        return (conjugate + self.convexity_penalty * g.negative_weight_penalty()).sum()

    def f_loss(self, f, g, samples, barycenter_samples):
        conjugate = self.conjugate_terms(f, g, samples, create_graph=False)
        return -(conjugate - _mean_potentials(f, barycenter_samples)).sum()

    def forward(self, f, g, samples, barycenter_samples, weights):
        """Estimated barycenter cost sum_i a_i W2^2(nu, mu_i) from the current potentials.

        By the semi-dual, W2^2(nu, mu_i) / 2 = C_i + J_i at the optimum, with
        C_i = (E||X||^2 + E||Y_i||^2) / 2.
        """
        with torch.enable_grad():
            conjugate = self.conjugate_terms(f, g, samples, create_graph=False)
        dual_gap = conjugate - _mean_potentials(f, barycenter_samples)
        second_moments = 0.5 * (
            barycenter_samples.square().sum(-1).mean() + samples.square().sum(-1).mean(-1)
        )
        return 2.0 * (weights * (second_moments + dual_gap)).sum()


def _mean_potentials(f, barycenter_samples):
    """Mean of every f_i over the same barycenter samples (M, d), shape (n_potentials,)."""
    return f(barycenter_samples.expand(f.n_potentials, *barycenter_samples.shape)).mean(-1)
