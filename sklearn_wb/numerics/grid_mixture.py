"""The weighted mixture of grid histograms, and how far the inputs lie from it.

Inputs close to their weighted mixture are in the linear regime of optimal transport: to
first order in their differences the barycenter *is* the mixture. Where every input of
nonzero weight is one image, the barycenter is that image exactly (the debiased Sinkhorn
divergence vanishes only between equal measures). The solver starts from the mixture there
and the predictor answers with it, so both read these from here.
"""

import numpy as np


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
