"""The NWB-II generator h(z, a): latent noise and a weight vector -> barycenter samples."""

import torch
from torch import nn

from .picnn import WeightFeatures


class ConditionalGenerator(nn.Module):
    """h(z, a) = m(a) + z S(a) + MLP([z, a]): an affine map whose shift and scale are
    polynomials in a, plus a PReLU network of the noise and the weights.

    The affine part represents the barycenter of Gaussian measures exactly up to the
    polynomial's accuracy (its mean is linear in a, its covariance smooth), and starts
    there by least squares; the network adds what is not Gaussian.

    Parameters
    ----------
    dim : int
        Dimension of noise and output.
    n_weights : int
    hidden_sizes : sequence of int
        Widths of the residual network; empty for a purely affine generator.
    degree : int, default=2
        Degree of the polynomials in a.
    """

    def __init__(self, dim, n_weights, hidden_sizes, degree=2):
        super().__init__()
        self.features = WeightFeatures(n_weights, degree)
        self.shift = nn.Parameter(torch.zeros(self.features.n_features, dim))
        self.scale = nn.Parameter(self.features.constant(torch.eye(dim)))
        layers = []
        widths = [dim + n_weights, *hidden_sizes]
        for w_in, w_out in zip(widths[:-1], widths[1:]):
            layers += [nn.Linear(w_in, w_out), nn.PReLU(w_out)]
        self.residual = nn.Sequential(*layers, nn.Linear(widths[-1], dim)) if hidden_sizes else None
        if self.residual is not None:
            # The network adds nothing until training finds something to add.
            nn.init.zeros_(self.residual[-1].weight)
            nn.init.zeros_(self.residual[-1].bias)

    def forward(self, noise, weights):
        """Samples for standard Gaussian ``noise`` (B, d) and one weight vector (n_weights,)."""
        phi = self.features(weights)
        out = phi @ self.shift + noise @ torch.einsum("f,fij->ij", phi, self.scale)
        if self.residual is not None:
            context = weights.expand(len(noise), -1)
            out = out + self.residual(torch.cat([noise, context], dim=1))
        return out

    @torch.no_grad()
    def set_affine_(self, shift_coefficients, scale_coefficients):
        """m(a) = sum_f phi_f(a) shift_coefficients[f], S(a) likewise."""
        self.shift.copy_(shift_coefficients)
        self.scale.copy_(scale_coefficients)
