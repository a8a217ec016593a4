"""Starting point of the NWB-II networks: closed forms fitted as polynomials in the weights.

For Gaussian fits N(m_i, C_i) of the measures, the barycenter N(m(a), C(a)) and the maps
between it and each measure are known for every weight vector a, affine in x with
coefficients smooth in a. The quadratic parts of the potentials and the affine part of
the generator are polynomials in a; their coefficients are fitted to the closed forms at
weight vectors spread over the simplex by least squares. Everything here works in
standardised units.
"""

import numpy as np
import torch

from ._barycenter_init import gaussian_maps
from .numerics.gaussian import gaussian_barycenter, gaussian_transport_matrix, sqrtm_psd

# Regression points per polynomial coefficient: enough for a well-posed least squares.
_POINTS_PER_FEATURE = 8


def init_from_gaussians(module, means, covs, rng):
    """Start f, g and h at the exact maps between the Gaussian fits and their barycenter."""
    weights = _regression_weights(len(means), module.h.features.n_features, rng)
    f_factors, f_linear, g_factors, g_linear, shifts, scales = [], [], [], [], [], []
    for a in weights:
        mean, cov = gaussian_barycenter(means, covs, a)
        to_barycenter, offsets = gaussian_maps(means, covs, mean, cov)
        to_measures = np.stack([gaussian_transport_matrix(cov, c) for c in covs])
        # Symmetric square roots: smooth in a, unlike an eigenvector-ordered factor.
        g_factors.append([sqrtm_psd(t) for t in to_barycenter])
        g_linear.append(offsets)
        f_factors.append([sqrtm_psd(t) for t in to_measures])
        f_linear.append(means - np.einsum("kij,j->ki", to_measures, mean))
        shifts.append(mean)
        scales.append(sqrtm_psd(cov))
    fit = _polynomial_fit(module.h.features, weights)
    # Coefficients are fitted with the feature axis first; the potentials keep it second.
    module.f.set_quadratic_(fit(f_factors).transpose(0, 1), fit(f_linear).transpose(0, 1))
    module.g.set_quadratic_(fit(g_factors).transpose(0, 1), fit(g_linear).transpose(0, 1))
    module.h.set_affine_(fit(shifts), fit(scales))


def init_generator_from_mixture(generator, means, covs, rng):
    """Start h at the Gaussian with the moments of the mixture sum_i a_i mu_i (for
    init="identity", where the potentials start as identity maps)."""
    weights = _regression_weights(len(means), generator.features.n_features, rng)
    second_moments = covs + np.einsum("ki,kj->kij", means, means)
    shifts = weights @ means
    scales = [
        sqrtm_psd(np.einsum("k,kij->ij", a, second_moments) - np.outer(mean, mean))
        for a, mean in zip(weights, shifts)
    ]
    fit = _polynomial_fit(generator.features, weights)
    generator.set_affine_(fit(shifts), fit(scales))


def _regression_weights(n_measures, n_features, rng):
    """The simplex's vertices (one-hot weights return a measure) and uniform draws."""
    draws = rng.dirichlet(np.ones(n_measures), _POINTS_PER_FEATURE * n_features)
    return np.concatenate([np.eye(n_measures), draws])


def _polynomial_fit(features, weights):
    """A function: values at ``weights`` -> least-squares coefficients of ``features``."""
    # A CPU copy of the features: the module's own buffers may already live on a GPU.
    cpu_features = type(features)(features.n_weights, features.degree)
    design = cpu_features(torch.as_tensor(weights, dtype=torch.float64)).numpy()

    def fit(values):
        values = np.asarray(values, dtype=float)
        coefficients = np.linalg.lstsq(design, values.reshape(len(values), -1), rcond=None)[0]
        return torch.as_tensor(coefficients.reshape(-1, *values.shape[1:]), dtype=torch.float32)

    return fit
