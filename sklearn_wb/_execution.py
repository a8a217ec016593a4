"""How the estimators' methods run: torch's thread count, their seed, and rollback of a
failed fit.

Shared by all estimators (see DESIGN.md, "one common module" for such helpers; persistence
lives in ``_common``, the device choice in ``numerics._device``).
"""

import copy
import functools

import numpy as np
import torch
from sklearn.utils import check_random_state


def with_torch_threads(method):
    """Check the estimator's parameters, then run ``method`` with
    ``torch.set_num_threads(self.n_threads)`` and restore the caller's setting;
    ``n_threads=None`` leaves torch's setting alone.

    The check catches parameters set since ``fit`` (``set_params(n_threads=0)`` before
    ``sample``) with scikit-learn's error instead of torch's. The networks here are small:
    on a shared 2-core machine one thread fitted the README's example in 33 s against 631 s
    with torch's default of two.
    """

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        self._validate_params()
        if self.n_threads is None:
            return method(self, *args, **kwargs)
        before = torch.get_num_threads()
        torch.set_num_threads(self.n_threads)
        try:
            return method(self, *args, **kwargs)
        finally:
            torch.set_num_threads(before)

    return wrapper


def torch_seed(random_state):
    """A torch seed drawn from ``random_state`` (None, an int or a RandomState)."""
    if isinstance(random_state, np.random.Generator):
        raise ValueError(
            "random_state must be None, an int or a numpy RandomState, as everywhere in "
            "scikit-learn; got a numpy Generator: pass an int drawn from it instead, e.g. "
            "int(rng.integers(2**31))."
        )
    return check_random_state(random_state).randint(np.iinfo(np.int32).max)


def rollback_on_failure(fit):
    """If ``fit`` raises, leave the estimator as it was before the call: its attributes,
    and the weights, optimizer state and history of a net that a warm start continued."""

    @functools.wraps(fit)
    def wrapper(self, *args, **kwargs):
        attributes = dict(self.__dict__)
        net = attributes.get("net_")
        saved = _training_state(net) if net is not None else None
        try:
            return fit(self, *args, **kwargs)
        except BaseException:
            self.__dict__.clear()
            self.__dict__.update(attributes)
            if net is not None:
                _restore_training_state(net, saved)
            raise

    return wrapper


def _training_state(net):
    return {
        "weights": copy.deepcopy(net.module_.state_dict()),
        "optimizer": copy.deepcopy(net.optimizer_.state_dict()),
        "n_epochs": len(net.history),
    }


def _restore_training_state(net, saved):
    net.module_.load_state_dict(saved["weights"])
    net.optimizer_.load_state_dict(saved["optimizer"])
    del net.history[saved["n_epochs"] :]
