"""The generator h: Gaussian noise -> barycenter samples."""

import torch
from torch import nn


class AffineResidualGenerator(nn.Module):
    """h(z) = m + z S + MLP(z): an affine map plus a PReLU network for the non-Gaussian part.

    The affine part alone represents any Gaussian barycenter exactly and is initialised
    from a closed form; the network's last layer starts at zero so it adds nothing until
    training finds something to add.

    Parameters
    ----------
    dim : int
        Dimension of noise and output.
    hidden_sizes : sequence of int
        Widths of the residual network; empty for a purely affine generator.
    """

    def __init__(self, dim, hidden_sizes):
        super().__init__()
        self.shift = nn.Parameter(torch.zeros(dim))
        self.scale = nn.Parameter(torch.eye(dim))
        layers = []
        widths = [dim, *hidden_sizes]
        for w_in, w_out in zip(widths[:-1], widths[1:]):
            layers += [nn.Linear(w_in, w_out), nn.PReLU(w_out)]
        self.residual = nn.Sequential(*layers, nn.Linear(widths[-1], dim)) if hidden_sizes else None
        if self.residual is not None:
            nn.init.zeros_(self.residual[-1].weight)
            nn.init.zeros_(self.residual[-1].bias)

    def forward(self, z):
        out = self.shift + z @ self.scale
        if self.residual is not None:
            out = out + self.residual(z)
        return out

    @torch.no_grad()
    def set_affine_(self, mean, scale):
        """Set the affine part so that h(z) = mean + z @ scale (scale^T scale = covariance)."""
        self.shift.copy_(mean)
        self.scale.copy_(scale)
