"""Numerics: Gaussian closed forms, metrics, data generators and reference solvers."""

from .datasets import (
    make_gaussian_mixtures,
    make_random_ellipses,
    paper_gaussians,
    quasi_random_mixture,
    random_gaussians,
    sample_gaussians,
)
from .entropic_map import entropic_map_apply, entropic_map_potentials
from .free_support import exact_plan_fixed_point
from .gaussian import (
    bures_wasserstein_distance,
    gaussian_barycenter,
    gaussian_transport_matrix,
    sqrtm_psd,
)
from .grid_dataset import build_family_dataset, build_grid_dataset
from .grid_families import GRID_FAMILIES
from .grid_known_answers import (
    make_gaussian_blob_problems,
    make_identical_problems,
    make_location_scale_problems,
    make_one_hot_problems,
    make_product_problems,
)
from .grid_reference import (
    GeomLossGridBarycenter,
    check_grid_measures,
    grid_barycenter,
    linearised_barycenter,
    uniform_transport_maps,
)
from .grid_sinkhorn import sinkhorn_barycenter_2d
from .metrics import (
    bw2_uvp,
    bw2_uvp_floor,
    gaussian_bw2_uvp,
    kde_kl,
    l2_uvp,
    relative_covariance_error,
)
from .segments import make_random_lines, random_segments, segment_barycenter
from .shapes import random_filled_shapes, random_shape_contours
from .sinkhorn_samples import sinkhorn_divergence

__all__ = [
    "GRID_FAMILIES",
    "build_family_dataset",
    "build_grid_dataset",
    "entropic_map_apply",
    "entropic_map_potentials",
    "exact_plan_fixed_point",
    "GeomLossGridBarycenter",
    "check_grid_measures",
    "grid_barycenter",
    "linearised_barycenter",
    "make_gaussian_blob_problems",
    "make_identical_problems",
    "make_location_scale_problems",
    "make_one_hot_problems",
    "make_product_problems",
    "random_filled_shapes",
    "random_shape_contours",
    "sinkhorn_barycenter_2d",
    "sinkhorn_divergence",
    "uniform_transport_maps",
    "bures_wasserstein_distance",
    "bw2_uvp",
    "bw2_uvp_floor",
    "gaussian_barycenter",
    "gaussian_bw2_uvp",
    "gaussian_transport_matrix",
    "kde_kl",
    "l2_uvp",
    "make_gaussian_mixtures",
    "make_random_ellipses",
    "make_random_lines",
    "paper_gaussians",
    "quasi_random_mixture",
    "random_gaussians",
    "random_segments",
    "relative_covariance_error",
    "sample_gaussians",
    "segment_barycenter",
    "sqrtm_psd",
]
