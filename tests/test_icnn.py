import numpy as np
import torch
from hypothesis import given
from hypothesis import strategies as st
from torch.nn import functional as F

from sklearn_wb.deep.icnn import BatchedICNNPotential

seeds = st.integers(0, 2**31 - 1)


def _random_potential(seed, n_potentials, dim, hidden_sizes, spread):
    torch.manual_seed(seed)
    potential = BatchedICNNPotential(n_potentials, dim, hidden_sizes).double()
    with torch.no_grad():
        for parameter in potential.parameters():
            parameter.normal_(0.0, spread)  # including negative z-path weights
    potential.clip_negative_weights_()
    return potential


def _midpoint_gaps(potential, points_a, points_b):
    """(phi(a) + phi(b)) / 2 - phi((a + b) / 2): non-negative for a convex phi."""
    with torch.no_grad():
        middle = potential(0.5 * (points_a + points_b))
        return 0.5 * (potential(points_a) + potential(points_b)) - middle


@given(
    seed=seeds,
    dim=st.integers(1, 4),
    hidden_sizes=st.lists(st.integers(1, 8), min_size=1, max_size=3),
    spread=st.floats(0.1, 3.0),
    scale=st.floats(0.1, 20.0),
)
def test_clipped_potential_is_convex(seed, dim, hidden_sizes, spread, scale):
    potential = _random_potential(seed, 3, dim, tuple(hidden_sizes), spread)
    generator = torch.Generator().manual_seed(seed)
    # Far-out points too: the reference's CELU^2 layer is non-convex below -ln 2.
    a = scale * torch.randn(3, 256, dim, generator=generator, dtype=torch.float64)
    b = scale * torch.randn(3, 256, dim, generator=generator, dtype=torch.float64)
    gaps = _midpoint_gaps(potential, a, b)
    assert gaps.min() >= -1e-9 * (1 + gaps.abs().max())


def test_midpoint_check_detects_the_reference_activation():
    """The convexity test above can fail: CELU(x)^2 breaks it where x < -ln 2."""
    x = torch.tensor([-3.0, -1.0], dtype=torch.float64)
    values = F.celu(x) ** 2
    middle = F.celu(x.mean()) ** 2
    assert values.mean() < middle


@given(seed=seeds, dim=st.integers(1, 4))
def test_gradient_of_quadratic_part(seed, dim):
    rng = np.random.default_rng(seed)
    factor = rng.normal(size=(2, dim, dim))
    hessians = factor @ factor.transpose(0, 2, 1) + np.eye(dim)
    offsets = rng.normal(size=(2, dim))
    potential = BatchedICNNPotential(2, dim, (4,)).double()
    potential.set_quadratic_(torch.as_tensor(hessians), torch.as_tensor(offsets))
    x = torch.as_tensor(rng.normal(size=(2, 5, dim)))
    expected = np.einsum("kij,kmj->kmi", hessians, x.numpy()) + offsets[:, None, :]
    np.testing.assert_allclose(
        potential.gradient(x, create_graph=False).numpy(), expected, atol=1e-10
    )


def test_penalty_counts_only_negative_convex_weights():
    potential = BatchedICNNPotential(2, 3, (4, 4))
    assert torch.all(potential.negative_weight_penalty() == 0)
    with torch.no_grad():
        potential.convex_layers[0].weight[1].fill_(-1.0)
    np.testing.assert_allclose(potential.negative_weight_penalty().detach().numpy(), [0.0, 16.0])


def test_first_layer_kinks_are_spread_over_the_data_scale():
    """The x-path units start with their kinks through random points of the standardised
    data, not all through the origin, and sharper than PyTorch's default init."""
    torch.manual_seed(0)
    potential = BatchedICNNPotential(2, 2, (64, 64))
    layer = potential.input_layers[0]
    norms = layer.weight.detach().norm(dim=1)  # (n_potentials, width): one kink per unit
    distances = layer.bias.detach().squeeze(1).abs() / norms
    assert float(norms.mean()) > 1.5  # uniform(+-1/sqrt(2)) would give about 0.58
    assert 0.3 < float(distances.median()) < 1.5
    assert float((distances > 0.1).float().mean()) > 0.8
