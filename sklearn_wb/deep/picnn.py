"""Partially input-convex potentials: convex in x for every weight vector a, free in a.

Each of the N potentials is

    phi_i(x, a) = 1/2 ||x Q_i(a)||^2 + b_i(a).x + PICNN_i(x, a),

where Q_i(a) and b_i(a) are polynomials in a (exact enough for the Gaussian closed forms,
which are smooth in a, and initialised from them by least squares), and PICNN_i is the
ICNN of :mod:`.icnn` whose hidden units get a-dependent biases and non-negative a-dependent
gates on the z-path (a simplified PICNN of Amos et al., 2017). With non-negative z-path
weights and gates and convex non-decreasing activations, phi_i(., a) is convex for all a.

One weight vector a is shared by all rows of a call, as in the NWB-II objective, where
each minibatch has one a: the a-dependent coefficients are computed once per call.
"""

import itertools
import math

import torch
from torch import nn
from torch.nn import functional as F

from .icnn import BatchedICNNPotential

# softplus(_UNIT_GATE) = 1: gates start neutral.
_UNIT_GATE = math.log(math.e - 1.0)


class WeightFeatures(nn.Module):
    """Monomials of degree 1 to ``degree`` of a weight vector a on the simplex.

    Since sum_k a_k = 1 there, the degree-1 monomials also represent constants, so a
    linear function of these features is any polynomial of degree <= ``degree`` in a.

    Parameters
    ----------
    n_weights : int
    degree : int
    """

    def __init__(self, n_weights, degree):
        super().__init__()
        self.n_weights = n_weights
        for d in range(1, degree + 1):
            combos = list(itertools.combinations_with_replacement(range(n_weights), d))
            self.register_buffer(f"index_{d}", torch.tensor(combos), persistent=False)
        self.degree = degree
        self.n_features = sum(getattr(self, f"index_{d}").shape[0] for d in range(1, degree + 1))

    def forward(self, weights):
        """Features of shape (..., n_features) for weights of shape (..., n_weights)."""
        return torch.cat(
            [weights[..., getattr(self, f"index_{d}")].prod(-1) for d in range(1, self.degree + 1)],
            dim=-1,
        )

    def constant(self, value):
        """Coefficients (n_features, *value.shape) whose feature combination is ``value``
        at every a on the simplex."""
        coefficients = value.new_zeros(self.n_features, *value.shape)
        coefficients[: self.n_weights] = value
        return coefficients


class BatchedPICNNPotential(BatchedICNNPotential):
    """N potentials R^d x simplex -> R, convex in their first argument, evaluated together.

    The ICNN layers, the z-path projection (:meth:`clip_negative_weights_`) and penalty
    come from :class:`BatchedICNNPotential`; its quadratic part becomes a polynomial in
    the weights. Call it as ``phi(x, weights)`` or bind the weights with :meth:`at`.

    Parameters
    ----------
    n_potentials : int
    dim : int
    n_weights : int
        Length of the weight vector a (the number of measures).
    hidden_sizes : sequence of int
        Widths of the hidden layers; empty for a purely quadratic potential.
    degree : int, default=2
        Degree of the polynomials in a.
    """

    def __init__(self, n_potentials, dim, n_weights, hidden_sizes, degree=2):
        super().__init__(n_potentials, dim, hidden_sizes)
        self.features = WeightFeatures(n_weights, degree)
        eye = torch.eye(dim).expand(n_potentials, dim, dim)
        self.quadratic_factor = nn.Parameter(self.features.constant(eye).transpose(0, 1).clone())
        self.linear = nn.Parameter(torch.zeros(n_potentials, self.features.n_features, dim))
        n_features = self.features.n_features
        self.context_biases = nn.ParameterList(
            nn.Parameter(torch.zeros(n_potentials, n_features, h)) for h in hidden_sizes
        )
        self.context_gates = nn.ParameterList(
            nn.Parameter(
                self.features.constant(torch.full((n_potentials, h), _UNIT_GATE))
                .transpose(0, 1)
                .clone()
            )
            for h in hidden_sizes
        )

    def forward(self, x, weights):
        """Values (n_potentials, M) at x of shape (n_potentials, M, d), weights (n_weights,)."""
        phi = self.features(weights)
        factor = torch.einsum("f,nfij->nij", phi, self.quadratic_factor)
        linear = torch.einsum("f,nfi->ni", phi, self.linear)
        value = 0.5 * torch.bmm(x, factor).square().sum(-1) + (x * linear[:, None]).sum(-1)
        if self.output_layer is None:
            return value
        biases = [torch.einsum("f,nfh->nh", phi, b)[:, None] for b in self.context_biases]
        gates = [F.softplus(torch.einsum("f,nfh->nh", phi, g))[:, None] for g in self.context_gates]
        z = F.celu(self.input_layers[0](x) + biases[0])
        for input_layer, convex_layer, bias, gate in zip(
            self.input_layers[1:], self.convex_layers, biases[1:], gates
        ):
            # z * gate with gate >= 0 and convex_layer's weights >= 0 keep z convex in x.
            z = F.celu(convex_layer(z * gate) + input_layer(x) + bias)
        return value + self.output_layer(z * gates[-1]).squeeze(-1)

    def gradient(self, x, weights, create_graph=True):
        """Gradient map x -> grad_x phi_i(x, weights), shape (n_potentials, M, d)."""
        if not x.requires_grad:
            x = x.detach().requires_grad_(True)
        (grad,) = torch.autograd.grad(self(x, weights).sum(), x, create_graph=create_graph)
        return grad

    def at(self, weights):
        """The potentials at fixed weights, with the interface of a BatchedICNNPotential
        (call, ``gradient``, penalty, clipping), for :class:`.nwb_objective.NWBObjective`."""
        return _AtWeights(self, weights)

    @torch.no_grad()
    def set_quadratic_(self, factor_coefficients, linear_coefficients):
        """Set Q_i(a) = sum_f phi_f(a) factor_coefficients[i, f] and b_i(a) likewise."""
        self.quadratic_factor.copy_(factor_coefficients)
        self.linear.copy_(linear_coefficients)


class _AtWeights:
    """A BatchedPICNNPotential with its weight vector bound."""

    def __init__(self, potential, weights):
        self.potential, self.weights = potential, weights
        self.n_potentials = potential.n_potentials

    def __call__(self, x):
        return self.potential(x, self.weights)

    def gradient(self, x, create_graph=True):
        return self.potential.gradient(x, self.weights, create_graph=create_graph)

    def negative_weight_penalty(self):
        return self.potential.negative_weight_penalty()

    def clip_negative_weights_(self):
        self.potential.clip_negative_weights_()
