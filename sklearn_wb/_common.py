"""Helpers shared by the estimators: safe model files (save / load).

A model file is one safetensors file. Its tensors are the torch module's state dict
(``module/<name>``) and the fitted float arrays (``fitted/<name>``); everything else
(class name, format version, ``get_params()``, other fitted attributes, the module's
constructor arguments, the epoch history) is JSON in the file's header metadata under
the key ``"sklearn_wb"``. Reading it runs no code: no pickle, unlike pickle and joblib.
"""

import json
import os
from importlib.metadata import PackageNotFoundError, version

import numpy as np
import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import save
from sklearn.utils.validation import check_is_fitted
from skorch.history import History

FORMAT_VERSION = 1
_METADATA_KEY = "sklearn_wb"
_MODULE_PREFIX = "module/"
_ARRAY_PREFIX = "fitted/"
_HEADER_FIELDS = {
    "format_version": int,
    "class": str,
    "params": dict,
    "module_kwargs": dict,
    "attributes": dict,
    "history": list,
}
# Dtype kinds of fitted arrays stored as JSON lists: bool, integers, strings, objects.
_JSON_ARRAY_KINDS = set("biuUO")


class PersistenceMixin:
    """Adds :meth:`save` to an estimator that holds a fitted skorch net in ``net_``.

    The estimator provides these hooks:

    - ``_persisted_attributes``: names of the fitted attributes, besides ``net_`` and
      ``history_``, that :func:`load` must restore (those absent are skipped);
    - ``_tuple_attributes``: those among them that are tuples (JSON has only lists);
    - ``_rebuild_net(module_kwargs)``: an initialised net whose module is built from the
      saved constructor arguments, on ``resolve_device(self.device)``.
    """

    _persisted_attributes = ()
    _tuple_attributes = ()

    def save(self, path):
        """Write the fitted model to ``path`` as safetensors + JSON; no pickle.

        Unlike pickle and joblib, which run code when loading and so are unsafe for files
        from others, the file holds only tensors and JSON: share models this way and read
        them back with :func:`sklearn_wb.load`. Parameters must be JSON values (numbers,
        strings, booleans, None, lists, tuples, dicts; numpy arrays become lists, and a
        tuple inside a list or dict comes back as a list).

        Parameters
        ----------
        path : str or path-like
            Destination file, by convention with the suffix ``.safetensors``.

        Raises
        ------
        sklearn.exceptions.NotFittedError
            If the estimator is not fitted.
        TypeError
            If a parameter is not JSON-representable (e.g. a ``RandomState`` instance as
            ``random_state``: set an int or None before saving).

        Examples
        --------
        >>> import os, tempfile
        >>> from sklearn_wb import GridBarycenterPredictor, load
        >>> model = GridBarycenterPredictor.pretrained(device="cpu")
        >>> path = os.path.join(tempfile.mkdtemp(), "grid.safetensors")
        >>> model.save(path)
        >>> load(path, device="cpu").get_params()["depth"]
        5
        """
        check_is_fitted(self, "net_")
        params = self.get_params(deep=False)
        fitted_json, fitted_arrays = self._split_attributes()
        header = {
            "format": "sklearn_wb model",
            "format_version": FORMAT_VERSION,
            "class": type(self).__name__,
            "params": _to_json(params, "parameter"),
            "tuple_params": [name for name, value in params.items() if isinstance(value, tuple)],
            "module_kwargs": _to_json(_module_kwargs(self.net_), "module argument"),
            "attributes": fitted_json,
            "history": _epoch_rows(self.net_.history),
            "versions": _versions(),
        }
        tensors = {
            _MODULE_PREFIX + key: value.detach().to("cpu", copy=True).contiguous()
            for key, value in self.net_.module_.state_dict().items()
        }
        tensors |= {
            _ARRAY_PREFIX + name: torch.from_numpy(np.array(value, copy=True))
            for name, value in fitted_arrays.items()
        }
        _write_atomically(path, save(tensors, metadata={_METADATA_KEY: json.dumps(header)}))

    def _split_attributes(self):
        """Fitted attributes as JSON values, and float arrays kept apart as tensors."""
        as_json, arrays = {}, {}
        for name in self._persisted_attributes:
            if not hasattr(self, name):
                continue
            value = getattr(self, name)
            if isinstance(value, np.ndarray) and value.dtype.kind == "f":
                arrays[name] = value
            elif isinstance(value, np.ndarray):
                as_json[name] = {"values": _to_json(value, name), "dtype": value.dtype.str}
            else:
                as_json[name] = _to_json(value, name)
        return as_json, arrays


def _write_atomically(path, data):
    """Write ``data`` to a temporary file beside ``path``, then rename it: ``path`` is never
    left half written. ``open`` gives the file the umask's permissions, so colleagues can
    read a shared model (safetensors' ``save_file`` made it readable by its owner only)."""
    path = os.fspath(path)
    temporary = f"{path}.{os.getpid()}.tmp"
    try:
        with open(temporary, "wb") as file:
            file.write(data)
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)


def load(path, *, device="auto"):
    """Read a model written by ``save``; no pickle, no code from the file is run.

    The file names its class; only the package's estimators can be built. The loaded
    estimator samples, maps, scores and predicts exactly as the saved one, on any
    device: a model saved on a GPU loads on a CPU-only machine. Epoch rows of
    ``history_`` are kept, their per-batch records are not. With ``warm_start=True`` a
    further ``fit`` continues from the saved weights, but the optimizer's state (Adam's
    moments) is not saved and starts afresh.

    Parameters
    ----------
    path : str or path-like
        A file written by ``save``.
    device : str, default="auto"
        Torch device to load onto; it becomes the estimator's ``device`` parameter
        (``"auto"`` uses CUDA when present).

    Returns
    -------
    estimator : NeuralBarycenter, FreeWeightBarycenter or GridBarycenterPredictor
        Fitted.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If the file is not a complete safetensors file, was not written by ``save``,
        names an unknown class, or comes from a newer format version.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from sklearn_wb import GridBarycenterPredictor, load
    >>> model = GridBarycenterPredictor.pretrained(device="cpu")
    >>> path = os.path.join(tempfile.mkdtemp(), "grid.safetensors")
    >>> model.save(path)
    >>> measures = np.random.default_rng(0).random((1, 2, 32, 32))
    >>> bool((load(path, device="cpu").predict(measures) == model.predict(measures)).all())
    True
    """
    header, tensors = _read(path)
    estimator_class = _estimator_class(header["class"], path)
    try:
        params = header["params"] | {  # files before tuple_params: lists stay lists
            name: tuple(header["params"][name])
            for name in header.get("tuple_params", [])
            if name in header["params"]
        }
        estimator = estimator_class(**{**params, "device": device})
        estimator._validate_params()
    except (TypeError, ValueError) as error:
        raise ValueError(
            f"{path}: saved parameters do not fit {header['class']}: {error}"
        ) from None
    _restore_attributes(estimator, header["attributes"], tensors)
    # Building the net draws initial weights; keep the caller's torch RNG untouched.
    with torch.random.fork_rng(devices=[]):
        net = estimator._rebuild_net(header["module_kwargs"])
    module_state = {
        key[len(_MODULE_PREFIX) :]: value
        for key, value in tensors.items()
        if key.startswith(_MODULE_PREFIX)
    }
    try:
        net.module_.load_state_dict(module_state)
    except RuntimeError as error:
        raise ValueError(f"{path}: saved weights do not match the network: {error}") from None
    net.history = History(header["history"])
    estimator.net_, estimator.history_ = net, net.history
    return estimator


def _estimator_classes():
    """The classes ``load`` may build, by name: an explicit list, so a file can never make
    it import or call anything else."""
    # Imported here because the estimator modules import this one.
    from .free_weight_barycenter import FreeWeightBarycenter
    from .grid_predictor import GridBarycenterPredictor
    from .neural_barycenter import NeuralBarycenter

    classes = (FreeWeightBarycenter, GridBarycenterPredictor, NeuralBarycenter)
    return {cls.__name__: cls for cls in classes}


def _estimator_class(name, path):
    classes = _estimator_classes()
    if name not in classes:
        raise ValueError(
            f"{path} holds a model of class {name!r}, which sklearn_wb cannot load; "
            f"known classes: {sorted(classes)}."
        )
    return classes[name]


def _read(path):
    """Header (checked) and tensors of a model file."""
    try:
        with safe_open(os.fspath(path), framework="pt", device="cpu") as file:
            metadata = file.metadata() or {}
            tensors = {key: file.get_tensor(key) for key in file.keys()}
    except SafetensorError as error:
        raise ValueError(
            f"{path} is not a readable safetensors file ({error}); it may be truncated "
            "or corrupted, or not written by save()."
        ) from None
    if _METADATA_KEY not in metadata:
        raise ValueError(f"{path} is a safetensors file but not a sklearn_wb model file.")
    try:
        header = json.loads(metadata[_METADATA_KEY])
    except json.JSONDecodeError as error:
        raise ValueError(f"{path}: the model metadata is not valid JSON ({error}).") from None
    _check_header(header, path)
    return header, tensors


def _check_header(header, path):
    if not isinstance(header, dict):
        raise ValueError(f"{path}: the model metadata must be a JSON object.")
    for field, kind in _HEADER_FIELDS.items():
        if not isinstance(header.get(field), kind):
            raise ValueError(f"{path}: the model metadata lacks a valid {field!r} field.")
    if header["format_version"] > FORMAT_VERSION:
        raise ValueError(
            f"{path} has format version {header['format_version']}, newer than this "
            f"sklearn_wb reads ({FORMAT_VERSION}); upgrade sklearn_wb."
        )


def _restore_attributes(estimator, as_json, tensors):
    arrays = {
        key[len(_ARRAY_PREFIX) :]: tensor.numpy()
        for key, tensor in tensors.items()
        if key.startswith(_ARRAY_PREFIX)
    }
    unknown = (set(as_json) | set(arrays)) - set(estimator._persisted_attributes)
    if unknown:
        raise ValueError(f"Unknown fitted attributes {sorted(unknown)} in the model file.")
    for name, value in as_json.items():
        if isinstance(value, dict) and set(value) == {"values", "dtype"}:
            dtype = np.dtype(value["dtype"])
            if dtype.kind not in _JSON_ARRAY_KINDS:
                raise ValueError(f"Unsupported dtype {dtype} for fitted attribute {name!r}.")
            value = np.asarray(value["values"], dtype=dtype)
        elif name in estimator._tuple_attributes:
            value = tuple(value)
        setattr(estimator, name, value)
    for name, array in arrays.items():
        setattr(estimator, name, array)


def _to_json(value, name):
    """``value`` as plain JSON values: tuples and arrays become lists, numpy scalars numbers."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_to_json(item, name) for item in value]
    if isinstance(value, dict) and all(isinstance(key, str) for key in value):
        return {key: _to_json(item, f"{name} {key}") for key, item in value.items()}
    raise TypeError(
        f"Cannot save {name}={value!r}: only JSON values (numbers, strings, booleans, None, "
        "lists, tuples, dicts, numpy arrays) can be saved. Set it to such a value (e.g. an "
        "int random_state) before saving."
    )


def _module_kwargs(net):
    """The module's constructor arguments: the net's ``module__`` parameters."""
    prefix = "module__"
    params = net.get_params(deep=False)
    return {key[len(prefix) :]: value for key, value in params.items() if key.startswith(prefix)}


def _epoch_rows(history):
    """Epoch rows of a skorch history without their per-batch records, as JSON values."""
    rows = [{key: value for key, value in row.items() if key != "batches"} for row in history]
    return _to_json(rows, "history")


def _versions():
    try:
        package = version("sklearn-wb")
    except PackageNotFoundError:
        package = None
    return {"sklearn_wb": package, "torch": torch.__version__}
