"""Wasserstein barycenters as scikit-learn estimators running on torch."""

import os

# GeomLoss imports pykeops where it is installed, and KeOps prints a warning on every
# machine without CUDA libraries, so every CPU user's import printed it. KEOPS_VERBOSE=1
# brings KeOps' messages back (read once, when KeOps is first imported).
os.environ.setdefault("KEOPS_VERBOSE", "0")

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
