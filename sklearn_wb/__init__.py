"""Wasserstein barycenters as scikit-learn estimators running on torch."""

from ._common import load
from .free_weight_barycenter import FreeWeightBarycenter
from .grid_predictor import GridBarycenterPredictor
from .neural_barycenter import NeuralBarycenter
from .numerics import (
    bures_wasserstein_distance,
    bw2_uvp,
    gaussian_barycenter,
    kde_kl,
    l2_uvp,
    relative_covariance_error,
)

__version__ = "0.1.0.dev0"

__all__ = [
    "FreeWeightBarycenter",
    "GridBarycenterPredictor",
    "NeuralBarycenter",
    "bures_wasserstein_distance",
    "bw2_uvp",
    "gaussian_barycenter",
    "kde_kl",
    "l2_uvp",
    "load",
    "relative_covariance_error",
]
