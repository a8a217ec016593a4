"""Exponential moving average of the weights over training, as a skorch callback.

In the min-max-min game minibatch noise keeps the players jittering around the solution;
the average of the trajectory is much closer to it than its last point.
"""

import torch
from skorch.callbacks import Callback
from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn


class WeightAveraging(Callback):
    """Keep an EMA of the module's weights and load it into the module when fit ends.

    Parameters
    ----------
    decay : float, default=0.99
        EMA decay per outer iteration (time constant 1 / (1 - decay) iterations).
    live_submodules : tuple of str, default=()
        Submodules that keep their last weights: those that move in discrete jumps, whose
        average would blend two different solutions.
    """

    def __init__(self, decay=0.99, live_submodules=()):
        self.decay = decay
        self.live_submodules = live_submodules

    def on_train_begin(self, net, **kwargs):
        self.average_ = AveragedModel(
            net.module_, multi_avg_fn=get_ema_multi_avg_fn(self.decay), use_buffers=True
        )

    def on_batch_end(self, net, training=True, **kwargs):
        if training:
            self.average_.update_parameters(net.module_)

    def on_train_end(self, net, **kwargs):
        state = self.average_.module.state_dict()
        for name, value in net.module_.state_dict().items():
            if name.split(".")[0] in self.live_submodules:
                state[name] = value
        with torch.no_grad():
            net.module_.load_state_dict(state)
        del self.average_  # the module now holds the average; don't pickle a second copy
