"""Fixed-point rounds for the generator, as a skorch callback.

The barycenter is a fixed point of the averaged transport maps (Alvarez-Esteban et al.,
2016): nu = (sum_i a_i grad f_i)# nu, with grad f_i the map from nu to mu_i. NWB-I's
generator step descends -sum_i a_i f_i(x) + |x|^2 / 2 at every outer iteration; while the
potentials are not yet exact, that moves every sample towards a minimiser of a landscape
that is not flat, and on the two-mixture benchmark the samples collapsed onto its valleys
(thin lines; W2^2 0.44 to the exact midpoint, floor 0.088). Here the potentials train for
``period`` outer iterations against a frozen generator, then the generator takes one
fixed-point step: it is regressed onto the image of its own samples under the averaged
maps, a target that stays fixed during the regression (W2^2 0.23 on the same benchmark).

The maps of a round are those of the potentials averaged over its period, since the live
potentials jitter with the minibatches. Until the networks were widened (see the last
paragraph) the average covered the second half only, as the first still follows the
generator's last move. Measured against the live potentials (d = 16, three Gaussians,
BW2-UVP; two mixtures, W2^2 at t = 0.5; seed 0): 0.0327 % / 0.229 against 0.0431 % / 0.237.
Averaging over the whole period: 0.0277 % / 0.262; damping the step by half: 0.0181 % /
0.266; steps 1, 1/2, 1/3, ...: 0.0164 % / 0.345 (both with the tail average). The Gaussian
start scores 0.0077 % at d = 16: the maps' remaining errors are bias, not noise. On the
mixtures at t = 0.25 the tail average is no better: W2^2 0.484 / 0.385 / 0.298 for seeds
0 / 1 / 2, against 0.383 / 0.401 / 0.285 with the live potentials.

Damping measured again at d = 64 (``reproduce dimensions``' setting, seed 0, where the
Gaussian start scores 0.029 % and the undamped rounds 0.126 %): steps 1/2, 1/4 and 1/r gave
0.066 / 0.047 / 0.060 %, so most of the loss is noise in the maps there. But damping slows
what is not Gaussian: on an 8-d product of non-Gaussian 1-D laws (seed 0; exact barycenter: the
per-axis quantile average; Gaussian start 10.4 % mean per-axis W2-UVP) the undamped rounds
reached 1.13 %, steps 1/2 1.23 % and 1/r 1.42 %. Not adopted.

What is adopted is an average of the rounds' targets after a burn-in: the first
``full_share`` of the rounds (rounded up) take full steps, which is where the
non-Gaussian shape is learned; round j after them steps 1 / (j + 1) of the way, so the
generator becomes the running mean of the later rounds' targets (Polyak averaging of the
fixed-point iterates), and the maps' noise averages out. Measured side by side (seed 0, one
thread; ``scripts/fixed_point_rounds_side_runs.py``, whose 8-d product is a second one):
d = 64, BW2-UVP 0.1264 % with full steps, 0.0686 % with the average over the last 2 of 5
rounds, 0.0600 % over the last 5 of 11 (period 50); on the product, 1.407 % / 1.416 % /
1.456 %. Period 100 is kept. Seeds 0 / 1 / 2 of the product (data and fit), full steps
against the average: 1.407 / 1.689 / 0.877 % against 1.417 / 1.354 / 0.907 %.

What limits d = 64 after that, measured the same way (BW2-UVP; targets of the accuracy
issue 0.04 % at d = 64, 0.10 % at d = 128): not the regression (600 steps per round: 0.0685
%) but the potentials' minibatch noise. Batches of 1024 instead of 400: 0.0446 %, at 2.2x
the fit time (product seeds 0 / 1 / 2: 1.280 / 0.930 / 0.836 %, 1.5-1.9x); lr 1e-3: 0.0605
%. The potentials averaged over the whole period: 0.0520 % (d = 128: 0.1093 % against
0.1386 %), but on the product 1.558 %, the lag of the first half period again (see above);
over the whole period in the averaged rounds only: 0.0586 % (product 1.426 %); over the
whole period with batches of 1024: 0.0373 %, at 2.6x the fit time. (The whole-period runs
patched this callback; the others are options of the script.)

Batches of 1024 became the default above 2-D (``batch_size="auto"``; ``reproduce
dimensions``: 0.0446 % at d = 64, 0.0849 % at d = 128). On top of them the whole-period
average gave 0.0373 % / 0.0714 % at d = 64 / 128, but on the product 1.296 / 1.010 /
0.845 % for seeds 0 / 1 / 2 against 1.280 / 0.930 / 0.836 % (the lag again, smaller), so
it stays out. Also on top of them, d = 64 / product seeds 0 / 1 / 2: full_share 0.34 (two
full rounds of five) 0.0408 % / 1.337 / 0.965 / 0.827 %; lr 1e-3 0.0424 % / 2.183 /
1.440 / 1.341 % (it slows what is not Gaussian); both together 0.0388 %.

With the networks widened above 2-D (``_defaults``: 64 units at d = 8 instead of 16) the
lag no longer showed on the product: whole period against second half, seeds 0 / 1 / 2,
0.5796 / 0.3814 / 0.3938 % against 0.5795 / 0.3661 / 0.3929 % (at 3000 points, 0.816 /
0.604 / 0.531 % against POT's free-support 0.928 / 0.641 / 0.683 %), while three Gaussians
(unchanged widths there) gain 0.0446 -> 0.0373 % at d = 64 and 0.0849 -> 0.0714 % at
d = 128. So the whole period is averaged now. (With the Sinkhorn steps, the default in
2-D, the rounds are not used; with ``generator_step="fixed_point"`` the two mixtures had
scored W2^2 0.262 with the whole period against 0.229 with the second half, before the
later changes.)
"""

import math

from skorch.callbacks import Callback
from torch.optim.swa_utils import AveragedModel


class FixedPointRounds(Callback):
    """Every ``period`` outer iterations, call ``net.fixed_point_round(n_steps, lr,
    potentials, step)`` with the potentials ``net.module_.f`` averaged uniformly over the
    period; ``step`` is 1 for the first ``full_share`` of the rounds (rounded up) and 1/2,
    1/3, ... after them.

    The last round of a fit comes at least half a period before its end, so the potentials
    follow the generator's last move; a fit shorter than two periods gets rounds every half
    of its length.

    Parameters
    ----------
    period : int
        Outer iterations between rounds.
    n_steps : int
        Regression steps of the generator per round.
    lr : float
        Adam learning rate of those steps (a fresh optimizer each round).
    full_share : float in (0, 1]
        Share of the rounds that take full steps before the averaging starts.
    """

    def __init__(self, period, n_steps, lr, full_share=1.0):
        self.period = period
        self.n_steps = n_steps
        self.lr = lr
        self.full_share = full_share

    def on_train_begin(self, net, **kwargs):
        self.total_ = net.max_epochs * net.iterator_train__n_batches
        self.period_ = min(self.period, max(self.total_ // 2, 1))
        self.count_ = 0
        self.average_ = None
        self.rounds_done_ = 0
        last = self.total_ - self.period_ // 2  # the last iteration a round may come at
        self.full_rounds_ = math.ceil(self.full_share * (last // self.period_))

    def on_batch_end(self, net, training=True, **kwargs):
        if not training:
            return
        self.count_ += 1
        if self.average_ is None:
            self.average_ = AveragedModel(net.module_.f, use_buffers=True)
        self.average_.update_parameters(net.module_.f)
        if self.count_ % self.period_ == 0:
            if self.total_ - self.count_ >= self.period_ // 2:
                self.rounds_done_ += 1
                averaged = max(self.rounds_done_ - self.full_rounds_, 0)
                step = 1.0 / (averaged + 1)
                net.fixed_point_round(self.n_steps, self.lr, self.average_.module, step)
            self.average_ = None

    def on_train_end(self, net, **kwargs):
        self.average_ = None  # a fit may end mid-average; don't pickle the copy
