"""Stop a diverging training with an error that says what to change, as a skorch callback.

Too large a learning rate makes both kinds of training here run away without crashing:
the NWB cost goes to -1e12 (it is a sum of W2^2 and cannot be negative) and the samples
to 1e6 or NaN; the grid network's loss turns NaN. Without this guard the estimator
would return those numbers as a fitted model.
"""

import math

import torch
from skorch.callbacks import Callback


class DivergenceGuard(Callback):
    """Raise ``ValueError`` naming ``lr`` when a training loss, or the network's own loss
    that a net records in its batch history as ``train_network_loss`` /
    ``valid_network_loss``, is not finite or leaves ``[-max_abs_loss, max_abs_loss]``, or
    when a weight turns NaN or infinite.

    Parameters
    ----------
    max_abs_loss : float, default=inf
        Largest loss magnitude a sane training can reach.
    """

    def __init__(self, max_abs_loss=math.inf):
        self.max_abs_loss = max_abs_loss

    def on_batch_end(self, net, training=True, loss=None, **kwargs):
        value = loss.item() if torch.is_tensor(loss) else float(loss)
        if not self._sane(value):
            self._fail(net, f"the {'training' if training else 'validation'} loss is {value:.3g}")
        # a net may record its network's own loss beside the one it optimises
        own = net.history[-1, "batches", -1].get(f"{'train' if training else 'valid'}_network_loss")
        if own is not None and not self._sane(own):
            self._fail(net, f"the network's own loss is {own:.3g}")

    def _sane(self, value):
        return math.isfinite(value) and abs(value) <= self.max_abs_loss

    def on_epoch_end(self, net, **kwargs):
        if not all(torch.isfinite(p).all() for p in net.module_.parameters()):
            self._fail(net, "a weight is NaN or infinite")

    @staticmethod
    def _fail(net, what):
        epoch = len(net.history)
        raise ValueError(
            f"Training diverged in epoch {epoch}: {what}. Lower the learning rate "
            f"(lr={net.lr:g}); the model was not fitted."
        )
