"""Convert a grid model saved as a torch state dict (.pt) to the safetensors model format.

Reads ``grid_unet_{size}.pt`` (``torch.load`` with ``weights_only=True``: tensors only)
and the ``params`` of ``grid_unet_{size}.json`` next to the output, writes
``grid_unet_{size}.safetensors`` with :meth:`GridBarycenterPredictor.save`, and checks
that the converted model predicts exactly as the original. The shipped .pt was removed
after conversion; to rerun, take it from git::

    git show 5c1eca3:sklearn_wb/pretrained/grid_unet_64.pt > /tmp/grid_unet_64.pt
    python scripts/convert_pretrained.py --source /tmp/grid_unet_64.pt
"""

import argparse
import json
from pathlib import Path

import numpy as np
import torch

from sklearn_wb import GridBarycenterPredictor, load

OUTPUT = Path(__file__).resolve().parents[1] / "sklearn_wb" / "pretrained"


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, required=True, help="the .pt state dict")
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--output", type=Path, default=OUTPUT)
    return parser.parse_args(argv)


def from_state_dict(source, params):
    """The fitted predictor the old ``pretrained()`` built from a .pt state dict."""
    model = GridBarycenterPredictor(**params, device="cpu")
    model.net_ = model._build_net(None, 0).initialize()
    state = torch.load(source, map_location="cpu", weights_only=True)
    model.net_.module_.load_state_dict(state)
    model.history_ = model.net_.history
    return model


def check_identical(original, converted, size):
    measures = np.random.default_rng(0).random((4, 3, size, size))
    weights = np.random.default_rng(1).dirichlet(np.ones(3), 4)
    if not np.array_equal(
        original.predict(measures, weights), converted.predict(measures, weights)
    ):
        raise RuntimeError("The converted model does not predict as the original.")


def main(argv=None):
    args = parse_args(argv)
    name = args.output / f"grid_unet_{args.size}"
    params = json.loads(name.with_suffix(".json").read_text())["params"]
    original = from_state_dict(args.source, params)
    original.save(name.with_suffix(".safetensors"))
    check_identical(original, load(name.with_suffix(".safetensors"), device="cpu"), args.size)
    print(f"wrote {name}.safetensors; predictions identical to {args.source}")


if __name__ == "__main__":
    main()
