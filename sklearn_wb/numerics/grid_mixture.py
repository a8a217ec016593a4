"""The weighted mixture of grid histograms, and how far the inputs lie from it.

Inputs close to their weighted mixture are in the linear regime of optimal transport: to
first order in their differences the barycenter *is* the mixture. Where every input of
nonzero weight is one image, the barycenter is that image exactly (the debiased Sinkhorn
divergence vanishes only between equal measures). The solver starts from the mixture in
the linear regime and the predictor answers with it there, so both read these from here.
"""

import numpy as np

# Least share of uniform mass in a start from the mixture: the solver keeps a cell that
# starts at 0 at 0.
_MIN_UNIFORM_SHARE = 0.1


def weighted_mixtures(measures, weights):
    """:math:`\\sum_i w_i a_i` of (n, k, H, W) unit-mass measures and (n, k) weights."""
    return np.einsum("nk,nkhw->nhw", weights, measures)


def distance_to_mixture(measures, weights, mixtures):
    """Largest L1 distance from an input of nonzero weight to the weighted mixture."""
    distances = np.abs(measures - mixtures[:, None]).sum(axis=(2, 3))
    return np.where(weights > 0, distances, 0).max(axis=1)


def single_measure(measures, weights):
    """Problems whose inputs of nonzero weight are all one image (unit-mass measures)."""
    reference = measures[np.arange(len(measures)), weights.argmax(axis=1)]
    same = (measures == reference[:, None]).all(axis=(2, 3))
    return (same | (weights == 0)).all(axis=1)


def mixture_start(mixtures, spread):
    """Starting barycenters for the solver from (n, H, W) mixtures whose inputs lie within
    L1 ``spread`` (n,) of them: each mixture with a share of uniform mass, the spread but
    at least a tenth, so that no cell starts at 0."""
    uniform_share = np.maximum(spread, _MIN_UNIFORM_SHARE)[:, None, None]
    n_cells = mixtures.shape[-2] * mixtures.shape[-1]
    return (1 - uniform_share) * mixtures + uniform_share / n_cells
