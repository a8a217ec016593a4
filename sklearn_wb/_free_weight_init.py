"""Starting point of the NWB-II networks: closed forms fitted as polynomials in the weights.

For Gaussian fits N(m_i, C_i) of the measures, the barycenter N(m(a), C(a)) and the maps
between it and each measure are known for every weight vector a, affine in x with
coefficients smooth in a. The quadratic parts of the potentials and the generator's
components are polynomials in a; their coefficients are fitted to the closed forms at
weight vectors spread over the simplex by least squares. Everything here works in
standardised units.
"""

import numpy as np
import torch

from ._barycenter_init import gaussian_generator_components, gaussian_maps
from .numerics.gaussian import gaussian_barycenter, gaussian_transport_matrix, sqrtm_psd

# Regression points per polynomial coefficient: enough for a well-posed least squares.
_POINTS_PER_FEATURE = 8


def reference_gaussian(init, means, covs, weights):
    """The Gaussian the generator starts from at ``weights``: the barycenter of the
    Gaussian fits for init="gaussian"; for init="identity", where the potentials start as
    identity maps, the Gaussian with the moments of the mixture sum_i a_i mu_i."""
    if init == "gaussian":
        return gaussian_barycenter(means, covs, weights)
    mean = weights @ means
    second_moment = np.einsum("k,kij->ij", weights, covs + np.einsum("ki,kj->kij", means, means))
    return mean, second_moment - np.outer(mean, mean)


def init_potentials_from_gaussians(module, means, covs, rng):
    """Start f and g at the exact maps between the Gaussian fits and their barycenter."""
    weights = _regression_weights(len(means), module.f.features.n_features, rng)
    f_factors, f_linear, g_factors, g_linear = [], [], [], []
    for a in weights:
        mean, cov = gaussian_barycenter(means, covs, a)
        to_barycenter, offsets = gaussian_maps(means, covs, mean, cov)
        to_measures = np.stack([gaussian_transport_matrix(cov, c) for c in covs])
        # Symmetric square roots: smooth in a, unlike an eigenvector-ordered factor.
        g_factors.append([sqrtm_psd(t) for t in to_barycenter])
        g_linear.append(offsets)
        f_factors.append([sqrtm_psd(t) for t in to_measures])
        f_linear.append(means - np.einsum("kij,j->ki", to_measures, mean))
    fit = _polynomial_fit(module.f.features, weights)
    # Coefficients are fitted with the feature axis first; the potentials keep it second.
    module.f.set_quadratic_(fit(f_factors).transpose(0, 1), fit(f_linear).transpose(0, 1))
    module.g.set_quadratic_(fit(g_factors).transpose(0, 1), fit(g_linear).transpose(0, 1))


def init_generator(generator, components_at, probabilities, rng):
    """Start h's components at ``components_at(a)`` -> (shifts (C, d), scales (C, d, d))
    for every a, drawn with ``probabilities``."""
    features = generator.features
    weights = _regression_weights(features.n_weights, features.n_features, rng)
    shift_values, scale_values = zip(*(components_at(a) for a in weights))
    fit = _polynomial_fit(features, weights)
    # Fitted with the feature axis first; the generator keeps the component axis first.
    generator.set_components_(
        fit(shift_values).transpose(0, 1), fit(scale_values).transpose(0, 1), probabilities
    )


def gaussian_components_at(reference, weights):
    """One component: the reference Gaussian ``reference(weights)``."""
    shifts, scales, _ = gaussian_generator_components(*reference(weights))
    return shifts, scales


def transported_components_at(reference, center_mean, center_cov, shifts, scales, weights):
    """Components fitted where the reference Gaussian is N(center_mean, center_cov)
    (shifts (C, d), scales (C, d, d)), carried to ``weights`` by the affine OT map from
    that Gaussian to ``reference(weights)``."""
    mean, cov = reference(weights)
    # Rows y = m + z S map to mean + (y - center_mean) A^T.
    transposed_map = gaussian_transport_matrix(center_cov, cov).T
    return mean + (shifts - center_mean) @ transposed_map, scales @ transposed_map


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
