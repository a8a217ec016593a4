"""Change the resolution of grids by integer factors, keeping each image's mass."""

import numpy as np
import torch
from torch.nn import functional as F


def sum_pool(images, factors):
    """Images (..., H, W) summed over blocks of ``factors`` = (fh, fw) cells: (..., H/fh, W/fw).

    The sides must be multiples of the factors; factors (1, 1) return the images.
    """
    if tuple(factors) == (1, 1):
        return images
    (height, width), (fh, fw) = images.shape[-2:], factors
    blocks = images.reshape(*images.shape[:-2], height // fh, fh, width // fw, fw)
    return blocks.sum(axis=(-3, -1))


def upsample(images, factors):
    """Images (..., H, W) interpolated bilinearly to (..., H fh, W fw), each rescaled to
    its original mass; non-negative images stay non-negative. Factors (1, 1) return the
    images."""
    if tuple(factors) == (1, 1):
        return images
    batch_shape, shape = images.shape[:-2], images.shape[-2:]
    flat = torch.as_tensor(np.ascontiguousarray(images)).reshape(-1, 1, *shape)
    size = (shape[0] * factors[0], shape[1] * factors[1])
    fine = F.interpolate(flat, size=size, mode="bilinear", align_corners=False).numpy()
    fine = fine.reshape(*batch_shape, *size)
    mass = images.sum(axis=(-2, -1), keepdims=True)
    return fine * (mass / fine.sum(axis=(-2, -1), keepdims=True))
