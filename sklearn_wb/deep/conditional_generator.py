"""The NWB-II generator h(z, c, a): latent noise, a mixture component and a weight vector
-> barycenter samples."""

import torch
from torch import nn

from .generator import (
    affine_mixture,
    component_feature_width,
    component_features,
    pick_components,
    residual_network,
    set_probabilities_,
    uniform_cumulative,
)
from .picnn import WeightFeatures


class ConditionalGenerator(nn.Module):
    """h(z, c, a) = m_c(a) + z S_c(a) + MLP([z, a, c]): a mixture of affine maps whose
    shifts and scales are polynomials in a, plus a PReLU network of the noise, the weights
    and the component.

    :class:`.generator.MixtureResidualGenerator` with coefficients that depend on a. One
    component represents the barycenter of Gaussian measures exactly up to the
    polynomial's accuracy (its mean is linear in a, its covariance smooth), and starts
    there by least squares. Several components represent separated modes; between two
    measures a mode that carries a fixed piece of mass moves linearly in a (McCann's
    interpolation), which a polynomial shift follows exactly. The network adds what is
    not Gaussian within a mode. The components' probabilities are the same for every a.

    Parameters
    ----------
    dim : int
        Dimension of noise and output.
    n_weights : int
    hidden_sizes : sequence of int
        Widths of the residual network; empty for a purely affine generator.
    degree : int, default=2
        Degree of the polynomials in a.
    n_components : int, default=1
    """

    def __init__(self, dim, n_weights, hidden_sizes, degree=2, n_components=1):
        super().__init__()
        self.n_components = n_components
        self.features = WeightFeatures(n_weights, degree)
        self.shift = nn.Parameter(torch.zeros(n_components, self.features.n_features, dim))
        identity = self.features.constant(torch.eye(dim))
        self.scale = nn.Parameter(identity.repeat(n_components, 1, 1, 1))
        self.register_buffer("cumulative_probabilities", uniform_cumulative(n_components))
        in_features = dim + n_weights + component_feature_width(n_components)
        self.residual = residual_network(in_features, hidden_sizes, dim)

    def forward(self, noise, uniform, weights):
        """Samples for standard Gaussian ``noise`` (B, d), ``uniform`` (B,) in [0, 1) that
        picks the components, and one weight vector (n_weights,)."""
        phi = self.features(weights)
        component = pick_components(self.cumulative_probabilities, uniform)
        shift = torch.einsum("f,cfd->cd", phi, self.shift)
        scale = torch.einsum("f,cfij->cij", phi, self.scale)
        out = affine_mixture(noise, component, shift, scale)
        if self.residual is not None:
            context = torch.cat([noise, weights.expand(len(noise), -1)], dim=1)
            out = out + self.residual(component_features(context, component, self.n_components))
        return out

    @torch.no_grad()
    def set_components_(self, shift_coefficients, scale_coefficients, probabilities):
        """m_c(a) = sum_f phi_f(a) shift_coefficients[c, f], S_c(a) likewise; component c
        is drawn with probability probabilities[c]."""
        self.shift.copy_(shift_coefficients)
        self.scale.copy_(scale_coefficients)
        set_probabilities_(self.cumulative_probabilities, probabilities)
