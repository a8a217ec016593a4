"""Default network sizes and schedules, in one place, chosen by measurement.

The figures behind each choice are in docs/benchmarks (``python -m sklearn_wb reproduce
gaussians`` and ``... dimensions``).
"""


def potential_hidden_sizes(dim):
    """ICNN widths for potentials on R^dim: two layers of 2 dim units, at least 64 above
    2-D, at most 128. The quadratic part carries the Gaussian structure and the network
    the rest, which is where a non-Gaussian barycenter differs from the Gaussian start.
    On the 8-d non-Gaussian product of scripts/fixed_point_rounds_side_runs.py (seed 0,
    mean per-axis W2-UVP; the generator's samples follow their targets: the averaged maps
    applied to them score 1.21 % against 1.28 %, so the potentials limit) widths 16 / 32 /
    64 / 128 scored 1.280 / 0.858 / 0.726 / 0.775 %; 64 took 2.2x the fit time of 16, side
    by side. In 1-D and 2-D, where the generator takes Sinkhorn steps and the potentials
    only give the maps, 16 is kept."""
    return (layer_width(dim),) * 2


def generator_hidden_sizes(dim):
    """Residual widths of the generator on R^dim: 2 dim, at least 64 above 2-D, at most
    128. On the 8-d product (with potentials of width 64) 64 units instead of 16 took the
    mean per-axis W2-UVP from 0.726 to 0.580 % at seed 0 (0.396 to 0.366 % at seed 1) at
    about the same fit time. Both widths together (rounds then averaging the potentials
    over the second half of their period; see deep/fixed_point.py for the whole-period
    figures that ship), seeds 0 / 1 / 2: 1.280 / 0.930 / 0.836
    -> 0.580 / 0.366 / 0.393 %; at 3000 points 0.827 / 0.583 / 0.523 % against POT's
    free-support barycenter's 0.928 / 0.641 / 0.683 % (``--baselines``, one run each;
    3000 exact samples, the floor: 0.225 / 0.338 / 0.173 %). In 2-D (Sinkhorn steps) 64
    units were measured on ``reproduce mixtures``' three measures (seed 0): cost 4.640,
    and 4.668 with potentials of 64 as well, against 4.6845 with 16 (POT 4.3332); a gain
    within the draws' noise, so 16 is kept there."""
    return (layer_width(dim),)


def layer_width(dim):
    """Units per hidden layer of the networks on R^dim: 2 dim, at least 16 in 1-D and 2-D
    and 64 above, at most 128."""
    return min(max(16 if dim <= LOW_MAX_DIM else 64, 2 * dim), 128)


def batch_size(dim):
    """Samples per measure in each outer iteration of NeuralBarycenter on R^dim. Above 2-D
    the fixed-point rounds are limited by the potentials' minibatch noise: three Gaussians,
    seed 0, BW2-UVP 0.0686 -> 0.0446 % at d = 64 and 0.1386 -> 0.0849 % at d = 128 with
    1024 instead of 400, at about 2.2x the fit time; on the 8-d non-Gaussian product of
    scripts/fixed_point_rounds_side_runs.py, seeds 0 / 1 / 2, 1.417 / 1.354 / 0.907 ->
    1.280 / 0.930 / 0.836 % (1.5-1.9x; networks of width 16, since widened), where POT's
    free-support barycenter scored 0.928 / 0.641 / 0.683 % at 3000 points against
    1.448 / 1.124 / 1.083 % (``--baselines``; floor 0.225 / 0.338 / 0.173 %); with batches
    of 400, 1.575 % at seed 0. Thirteen epochs of 400 instead, the same cost:
    0.0467 % at d = 64. In 1-D and 2-D the Sinkhorn steps and the two-minute fit budget
    keep 400."""
    return 400 if dim <= LOW_MAX_DIM else 1024


# Measures times epochs of a default low-dimensional fit beyond 5 measures (see
# training_schedule).
LOW_DIM_MEASURE_EPOCHS = 60


def training_schedule(dim, n_measures):
    """NeuralBarycenter's epochs (of 100 outer iterations) and g-steps per f-step (K1) on
    R^dim for ``n_measures`` measures: 3 g-steps and, up to LOW_MAX_DIM, 12 epochs for at
    most 5 measures, then LOW_DIM_MEASURE_EPOCHS // n_measures (at least 3); above, 6
    and 6. In low dimension the generator keeps its free-support start and training only
    shapes the maps (``push_forward``, ``pull_back``). On ``reproduce mixtures``' two
    measures, push-forwards of measures 0 / 1 over the floor (3 reference draws, one fit
    per seed and weight), 6 epochs of K1 = 6 against 12 of K1 = 3, at 1.1-1.2x the fit
    time side by side: seed 0, t = 0.5: 1.22 / 1.91 -> 1.21 / 1.37, t = 0.25: 0.89 / 1.57
    -> 0.79 / 1.13; seed 1, t = 0.5: 1.56 / 1.42 -> 1.06 / 1.15, t = 0.75: 1.88 / 1.26 ->
    1.26 / 1.07; seed 2, t = 0.25: 1.11 / 2.28 -> 1.02 / 1.07, t = 0.5: 1.81 / 3.54 ->
    1.36 / 1.49. At seed 0, t = 0.5, 12 epochs of K1 = 6 (1.7x the time) scored 1.09 /
    1.28, 9 epochs of K1 = 3 1.40 / 1.88 (seed 2), 6 epochs of K1 = 3 with K2 = 8 1.10 /
    1.47 (seed 2: 1.43 / 1.65), and K1 = K2 = 2 for 24 epochs diverged at t = 0.25 (14x).
    Above, the schedule of the Gaussian and dimension benchmarks.

    An outer iteration costs in proportion to the number of measures (their potentials
    are one batched network), so in low dimension the epochs shrink beyond 5 measures to
    keep a default fit within two minutes on one thread (issue 7's budget), at a small
    cost to the maps. Side by side in one run (``scripts/many_measures_fit_side_runs.py
    --epochs``, costs of measures 0-3's push-forwards), on ``reproduce sharp``'s 10 lines,
    6 epochs against 12: fit 102.2 against 163.1 s, costs 1.2755 / 1.2477 / 1.3477 /
    1.2507 against 1.2817 / 1.2522 / 1.3210 / 1.2500 (mean 0.3 % worse); on its 20
    ellipses, 3 against 6: fit 82.6 against 125.8 s, costs 0.7134-0.7139 against
    0.7132-0.7137 (and 6 against 12 earlier: 145 against 248 s, 0.7132-0.7137 against
    0.7132-0.7138). The samples do not change. The ellipses are affine images of each
    other, so the Gaussian start nearly solves their maps; on 20 random 2-D Gaussian
    mixtures of 2-4 modes (``mixtures``) the cut costs more: 3 epochs against 6, fit 93.3
    against 155.1 s, costs 5.1627 / 5.1703 / 5.1726 / 5.1561 against 5.1277 / 5.1445 /
    5.1102 / 5.1067 (0.8 % worse on average; 6 against 12 earlier: 0.1-0.3 % worse).
    Pass ``n_epochs`` for better maps at the cost of time."""
    if dim > LOW_MAX_DIM:
        return {"n_epochs": 6, "n_inner_g": 6}
    n_epochs = min(max(LOW_DIM_MEASURE_EPOCHS // n_measures, 3), 12)
    return {"n_epochs": n_epochs, "n_inner_g": 3}


# EMA decay of the weights per outer iteration (see deep/averaging.py).
WEIGHT_AVERAGING_DECAY = 0.99

# Generator fixed-point rounds (see deep/fixed_point.py): every 100 outer iterations, 200
# Adam steps at lr 1e-2 (the two-mixture benchmark: W2^2 0.23 for 0.24 with 50-iteration
# periods and 0.25 with 200; the regression reaches its target in 100-200 steps). The
# first half of the rounds (rounded up) take full steps, the rest average (measured there).
FIXED_POINT_ROUNDS = {"period": 100, "n_steps": 200, "lr": 1e-2, "full_share": 0.5}

# Samples of the first guess of the barycenter that the generator's mixture is fitted to.
FIRST_GUESS_SAMPLES = 10_000

# Up to LOW_MAX_DIM NeuralBarycenter's first guess is moved to the free-support fixed
# point with exact plans (_barycenter_init.free_support_guess), coarse to fine on three
# levels: a quarter of the n_atoms, then half, then all, each level's atoms doubled to
# start the next. Each coarse level (coarse_levels: its most rounds and most plans) runs
# until its atoms stop moving, within both caps (a round solves one plan per measure of
# nonzero weight) but at least one round; the last level runs one round. A plan takes
# about 0.04 / 0.17 / 0.65 s between 500 / 1000 / 2000 points on one core.
#
# Some sets converge in a few rounds, others slowly: on reproduce sharp's 10 lines the
# sample's barycenter cost went 1.2396 / 1.2338 / 1.2296 after 1 / 3 / 8 rounds of 2000
# atoms (POT's free-support barycenter 1.2288, independent draws of its atoms 1.2294).
# Three draws each, side by side (scripts/many_measures_fit_side_runs.py --guess-levels,
# two jobs at a time): two levels (1000 atoms, at most 20 rounds, then 2000) 1.2289 /
# 1.2288 / 1.2295 in 40.3 s, three levels 1.2289 / 1.2292 / 1.2299 in 29.9 s (1.2308 /
# 1.2290 / 1.2295 in 24.7 s with at most 3 rounds of 1000). The 20 ellipses converge in
# a few rounds: three levels (at most 10 and 3 rounds) scored 0.7129 / 0.7136 / 0.7148 in
# 33.3 s, two 0.7155 / 0.7146 / 0.7136 in 31.3 s (POT 0.7126). Where sets converge that
# fast the third level costs a few seconds (reproduce gaussians' four measures: 10.6
# against 8.1 s). reproduce mixtures, three levels against two: the two measures' samples
# 0.91 / 0.99 / 1.12 against 0.78 / 0.99 / 1.12 times the floor at t = 0.25 / 0.5 / 0.75,
# the three measures' 4.3642 +- 0.0473 against 4.3532 +- 0.0350 (POT 4.3335, independent
# draws of a near-exact answer 4.3727). 1000 atoms alone were worse there (the t = 0.75
# sample 1.31 -> 1.60 times the floor against 3 rounds of 2000).
#
# Then the last level's atoms take further single rounds (pooled_rounds: the most rounds
# in all and the most plans), each against a fresh block of 2000 samples per measure, and
# the generator's mixture is fitted to the atoms of all of them: the answer from one block
# carries its sampling noise. On reproduce mixtures' three measures, seeds 0-4, mean
# barycenter cost of five quasi-random draws of 2000 points of the mixture against
# held-out samples (scripts/quasi_random_sample_side_runs.py pooled; POT's free-support
# barycenter 4.436 / 4.426 / 4.290 / 4.625 / 4.204): one block 4.459 / 4.413 / 4.379 /
# 4.728 / 4.194, four 4.388 / 4.327 / 4.316 / 4.612 / 4.186 (guess and mixture fit 11-14 s
# against 5 s), eight 4.376 / 4.322 / 4.294 / 4.618 / 4.146 (20-21 s). Sets of many
# measures keep one block: a block costs one plan per measure, and reproduce sharp's
# lines and ellipses already score at POT's level with one.
FREE_SUPPORT_GUESS = {
    "n_atoms": 2000,
    "coarse_levels": ((20, 200), (6, 60)),
    "pooled_rounds": (4, 12),
}

# Generator steps on the Sinkhorn objective (see deep/sinkhorn_steps.py): samples per step,
# Adam's initial learning rate and GeomLoss's blur in standardised units. Beyond
# max_measures measures each step draws that many by weight (unbiased): on the 20 random
# ellipses (reproduce sharp's setting, one side run, machine load varying) the cost was
# 0.7139 with all 20, 0.7150 with 8 and 0.7145 with 4 (sampling noise 0.0043), the fit
# 431, 255 and 312 s.
#
# 512 samples per step: one step on an outer iteration's 400 per measure, instead of four
# of 128. Minibatch OT between 128 samples is biased, and FreeWeightBarycenter drifted off
# its Gaussian start with it. Its whole fit on reproduce free-weights' data
# (scripts/free_weight_sinkhorn_batch_side_runs.py, 128 -> 512; the other core busy;
# before sample() moved onto the exact mean): the Gaussian grid's BW2-UVP max / mean
# 0.2274 / 0.0983 -> 0.0795 / 0.0420 % (256: 0.1176 / 0.0509 %), the mixtures sweep
# 2.05 / 2.10 / 2.15 / 2.26 -> 1.43 / 1.39 / 1.42 / 1.57 x the quasi-random floor, the
# lines 3.70 / 3.17 / 2.15 / 1.27 -> 4.56 / 2.46 / 1.65 / 1.38 x.
# Fits took 142 against 99 s (Gaussians), 115 against 93 s (mixtures), 101 against 84 s
# (lines), on numerics.sinkhorn_divergence's soft-min; on GeomLoss's own, 425 against 189 s
# and 265 against 154 s side by side. (NeuralBarycenter's steps alone from its start at one
# weight, two mixtures at t = 0.25, seed 0: 2.53 x the floor with 128, 2.64 x with 512;
# blur 0.02: 2.59 x.)
# With 512 samples (the same script's --blur and --scaling): blur 0.02 scored the lines
# 4.09 / 1.83 / 1.08 / 1.09 x (0.01: 4.02 / 1.77 / 1.02 / 1.09 x), the mixtures 1.42 /
# 1.38 / 1.43 / 1.56 x and the Gaussian grid 0.0808 / 0.0422 %, at about 1.2 x the fit
# time (123 against 101 s on the lines); blur 0.1 the lines 6.93 / 4.83 / 3.43 / 2.37 x.
# The blur's bias shows on measures on segments only, so 0.05 is kept for the time. The
# ε-scaling 0.7 instead of 0.8 (blur 0.02) scored the mixtures 1.56 / 1.47 / 1.50 / 1.66 x
# in 0.9 x the time: the loop's potentials need the iterations.
SINKHORN_STEPS = {"batch_size": 512, "lr": 3e-3, "blur": 0.05, "scaling": 0.8, "max_measures": 8}

# The low-dimensional regime, up to this dimension: generator_step="auto" takes the
# estimator's low-dimension step (NeuralBarycenter keeps its free-support start,
# FreeWeightBarycenter takes the Sinkhorn steps), and the fixed-point rounds above it,
# where minibatch OT and a few thousand atoms say too little.
LOW_MAX_DIM = 2

# NeuralBarycenter(refine_push_forward=True): per measure, an entropic map
# (numerics/entropic_map.py) from g's push-forward of up to n_atoms of its training rows
# to n_atoms quasi-random generator samples, blur in standardised units. On reproduce
# mixtures' two measures at t = 0.75 (seed 0; scripts/push_forward_refinement_side_runs.py
# refinement) g's gradient alone scored 2.25x / 2.01x the floor; refined with 8000 atoms
# and GeomLoss's eps-scaling 0.7, 1.65x / 1.42x (about 38 s per measure beside another
# job), with 4000 atoms 2.00x / 1.49x: the estimator's error falls with the atoms, its
# cost grows with their square. Scaling 0.5 left the potentials unconverged (1.84x /
# 1.57x); 0.9 gave 1.54x / 1.42x at 2-3 times the cost. Blur 0.01 scored as 0.04
# (1.64x / 1.43x, 37 s), 0.1 worse (1.80x / 1.46x, 20 s).
PUSH_FORWARD_REFINEMENT = {"n_atoms": 8000, "blur": 0.04}
