"""The generator h: latent noise -> barycenter samples."""

import torch
from torch import nn
from torch.nn import functional as F


class MixtureResidualGenerator(nn.Module):
    """h(z, c) = m_c + z S_c + MLP(z, c): a mixture of affine maps plus a PReLU network.

    The component c is drawn with fixed probabilities pi_c, the noise z is standard
    Gaussian. One component represents any Gaussian barycenter exactly. Several components
    let h represent separated modes: a continuous map of one Gaussian cannot, and leaves
    thin bridges of mass between them. The components start from a closed form or a
    mixture fit and then move; their probabilities stay fixed, so a mode's mass changes
    only by components moving between modes.

    Parameters
    ----------
    dim : int
        Dimension of noise and output.
    hidden_sizes : sequence of int
        Widths of the residual network; empty for a purely affine generator.
    n_components : int, default=1
        Number of affine components; the network sees c one-hot encoded when above 1.
    """

    def __init__(self, dim, hidden_sizes, n_components=1):
        super().__init__()
        self.n_components = n_components
        self.shift = nn.Parameter(torch.zeros(n_components, dim))
        self.scale = nn.Parameter(torch.eye(dim).repeat(n_components, 1, 1))
        uniform_cdf = torch.arange(1, n_components + 1, dtype=torch.float32) / n_components
        self.register_buffer("cumulative_probabilities", uniform_cdf)
        layers = []
        widths = [dim + (n_components if n_components > 1 else 0), *hidden_sizes]
        for w_in, w_out in zip(widths[:-1], widths[1:]):
            layers += [nn.Linear(w_in, w_out), nn.PReLU(w_out)]
        self.residual = nn.Sequential(*layers, nn.Linear(widths[-1], dim)) if hidden_sizes else None
        if self.residual is not None:
            # The network adds nothing until training finds something to add.
            nn.init.zeros_(self.residual[-1].weight)
            nn.init.zeros_(self.residual[-1].bias)

    def forward(self, noise, uniform):
        """Samples for standard Gaussian ``noise`` (B, d) and ``uniform`` (B,) in [0, 1)."""
        if self.n_components == 1:
            out = self.shift[0] + noise @ self.scale[0]
            features = noise
        else:
            component = torch.searchsorted(self.cumulative_probabilities, uniform, right=True)
            component = component.clamp_(max=self.n_components - 1)
            # One product per component: gathering scale[component] would hold a (B, d, d)
            # tensor (6.5 GB for 100k samples at d = 128).
            out = self.shift[component]
            for c in component.unique().tolist():
                rows = component == c
                out = out.index_add(0, rows.nonzero().squeeze(1), noise[rows] @ self.scale[c])
            features = torch.cat([noise, F.one_hot(component, self.n_components).to(noise)], 1)
        if self.residual is not None:
            out = out + self.residual(features)
        return out

    @torch.no_grad()
    def set_components_(self, shifts, scales, probabilities):
        """Component c maps z to shifts[c] + z @ scales[c] (covariance scales[c]^T scales[c])
        and is drawn with probability probabilities[c]."""
        self.shift.copy_(shifts)
        self.scale.copy_(scales)
        cumulative = torch.cumsum(torch.as_tensor(probabilities, dtype=torch.float32), 0)
        self.cumulative_probabilities.copy_(cumulative / cumulative[-1])
