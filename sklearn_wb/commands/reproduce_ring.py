"""``python -m sklearn_wb reproduce ring``: one measure as a generative model (NWB paper, Fig. 10).

With a single measure (N = 1) the barycenter is that measure, so NeuralBarycenter is a
generative model. The measure is a uniform mixture of 10 Gaussians evenly spaced on a
circle, the mode-collapse test of GANs. The table reports the mass per mode of
NeuralBarycenter's samples (each sample assigned to the nearest mode centre), the mass
within three standard deviations of a centre, and W2^2 to a held-out sample of the ring
(POT's exact solver) beside the floors, a second sample of the ring and a quasi-random one
(drawn as ``NeuralBarycenter.sample`` draws); the Gaussian fit of the ring is the
baseline. The target of issue 7: all 10 modes hold between 5 % and 15 %
of the mass.
"""

import time

import numpy as np
import torch
from sklearn.utils import check_random_state

from .. import NeuralBarycenter
from ..numerics import quasi_random_mixture
from ._exact_ot import w2_squared
from ._report import (
    add_run_arguments,
    add_schedule_arguments,
    command_line,
    format_table,
    machine_description,
    minutes_estimate,
    schedule_description,
    schedule_scale,
    write_rst,
)

# The paper's Fig. 10 gives 10 Gaussians evenly spaced on a circle, with no radius or
# width: neighbouring centres 2 * 2 * sin(pi / 10) = 1.24 apart, 12 standard deviations.
N_MODES = 10
RING_RADIUS = 2.0
MODE_STD = 0.1
# Target of issue 7: the mass of every mode, in per cent.
TARGET_MASS = (5.0, 15.0)
# A sample within this many standard deviations of its nearest centre is on a mode (98.9 %
# of an exact sample in 2-D: 1 - exp(-9 / 2)).
_ON_MODE_STDS = 3.0
_FIT_SECONDS = (40, 115)  # a default 2-D fit, one CPU thread
_EMD_SECONDS_3000 = (1.5, 3.0)  # one exact OT problem at 3000 points, one CPU thread

_FLOOR = "second sample of the ring (floor)"
_QUASI_RANDOM_FLOOR = "quasi-random sample of the ring (floor of sample()'s draws)"
_NEURAL = "NeuralBarycenter sample"
_PUSHED = "NeuralBarycenter push_forward of a ring sample"
_GAUSSIAN = "Gaussian fit of the ring"


def ring_centres(n_modes=N_MODES, radius=RING_RADIUS):
    """The ``(n_modes, 2)`` centres of the ring's modes, evenly spaced on a circle, the first
    on the positive x-axis."""
    angles = 2 * np.pi * np.arange(n_modes) / n_modes
    return radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)


def make_ring(
    n_samples,
    *,
    n_modes=N_MODES,
    radius=RING_RADIUS,
    std=MODE_STD,
    random_state=None,
    quasi_random=False,
):
    """Samples of a ring of Gaussians (NWB paper, Fig. 10).

    A uniform mixture of ``n_modes`` isotropic Gaussians with standard deviation ``std``,
    centred at :func:`ring_centres`.

    Parameters
    ----------
    n_samples : int
    n_modes : int, default=10
    radius : float, default=2.0
    std : float, default=0.1
    random_state : int, RandomState instance or None
    quasi_random : bool, default=False
        Draw as ``NeuralBarycenter.sample`` does by default: one scrambled Sobol sequence
        in 3 coordinates, the mode from the first, the noise from the others through the
        normal quantile. Every mode then gets its share of the samples.

    Returns
    -------
    X : ndarray of shape (n_samples, 2)
    modes : ndarray of shape (n_samples,)
        The mode each sample was drawn from.
    """
    rng = check_random_state(random_state)
    centres = ring_centres(n_modes, radius)
    if quasi_random:
        return quasi_random_mixture(centres, std, n_samples, random_state=rng)
    modes = rng.randint(n_modes, size=n_samples)
    return centres[modes] + std * rng.standard_normal((n_samples, 2)), modes


def nearest_mode(samples, centres):
    """Index of the centre nearest to each sample."""
    return ((samples[:, None, :] - centres[None]) ** 2).sum(axis=-1).argmin(axis=1)


def mode_masses(samples, centres):
    """Per cent of the samples whose nearest centre is each mode's."""
    counts = np.bincount(nearest_mode(samples, centres), minlength=len(centres))
    return 100 * counts / len(samples)


def on_mode_mass(samples, centres, std=MODE_STD):
    """Per cent of the samples within ``_ON_MODE_STDS`` standard deviations of a centre."""
    distances = np.sqrt(((samples[:, None, :] - centres[None]) ** 2).sum(axis=-1)).min(axis=1)
    return 100 * float(np.mean(distances <= _ON_MODE_STDS * std))


def add_arguments(parser):
    parser.add_argument(
        "--n-samples", type=int, default=20_000, help="training samples of the ring"
    )
    parser.add_argument(
        "--eval-samples",
        type=int,
        default=3000,
        help="samples per estimate and per reference in each W2 (exact OT is cubic)",
    )
    add_schedule_arguments(parser, "the NeuralBarycenter fit")
    add_run_arguments(parser, "ring")


def estimated_duration(args):
    """One NeuralBarycenter fit (40-115 s with the default schedule on one CPU thread) and
    four exact OT problems (1.5-3 s each at 3000 points, growing as n^2.2)."""
    scale = schedule_scale(args, dim=2, n_measures=1)
    emd = [4 * seconds * (args.eval_samples / 3000) ** 2.2 for seconds in _EMD_SECONDS_3000]
    return minutes_estimate(_FIT_SECONDS[0] * scale + emd[0], _FIT_SECONDS[1] * scale + emd[1])


def _verdict(holds):
    return "holds" if holds else "fails"


def run(args):
    torch.set_num_threads(args.threads)
    n = args.eval_samples
    X, _ = make_ring(args.n_samples + 2 * n, random_state=args.seed)
    train, reference, second = X[: args.n_samples], X[-2 * n : -n], X[-n:]
    rng = np.random.default_rng(args.seed + 1)

    print("fitting NeuralBarycenter to the ring (N = 1)", flush=True)
    start = time.perf_counter()
    model = NeuralBarycenter(
        n_epochs=args.n_epochs,
        iterations_per_epoch=args.iterations_per_epoch,
        random_state=args.seed,
        n_threads=args.threads,
    ).fit(train, np.zeros(len(train), dtype=int))
    seconds = time.perf_counter() - start
    estimates = {
        _FLOOR: second,
        _QUASI_RANDOM_FLOOR: make_ring(n, random_state=args.seed + 3, quasi_random=True)[0],
        _NEURAL: model.sample(n, random_state=args.seed + 2),
        _PUSHED: model.push_forward(second, np.zeros(n, dtype=int)),
        _GAUSSIAN: rng.multivariate_normal(train.mean(axis=0), np.cov(train.T), n),
    }
    print("exact W2^2 to the ring", flush=True)
    w2 = {name: w2_squared(points, reference) for name, points in estimates.items()}
    centres = ring_centres()
    masses = {name: mode_masses(points, centres) for name, points in estimates.items()}
    in_range = {
        name: int(np.sum((m >= TARGET_MASS[0]) & (m <= TARGET_MASS[1])))
        for name, m in masses.items()
    }

    summary_headers = [
        "estimate",
        "W2^2 to the ring",
        "/ floor",
        "/ quasi-random floor",
        "on a mode %",
        "lightest mode %",
        "heaviest mode %",
        f"modes in {TARGET_MASS[0]:g}-{TARGET_MASS[1]:g} %",
        "fit s",
    ]
    summary = [
        [
            name,
            f"{w2[name]:.4f}",
            f"{w2[name] / w2[_FLOOR]:.2f} x",
            f"{w2[name] / w2[_QUASI_RANDOM_FLOOR]:.2f} x",
            f"{on_mode_mass(points, centres):.1f}",
            f"{masses[name].min():.1f}",
            f"{masses[name].max():.1f}",
            f"{in_range[name]} / {N_MODES}",
            f"{seconds:.1f}" if name == _NEURAL else "",
        ]
        for name, points in estimates.items()
    ]
    mass_headers = ["mass per mode %", *(str(k + 1) for k in range(N_MODES))]
    mass_rows = [[name, *(f"{v:.1f}" for v in m)] for name, m in masses.items()]
    low, high = masses[_NEURAL].min(), masses[_NEURAL].max()
    targets = [
        [
            f"all {N_MODES} modes hold {TARGET_MASS[0]:g}-{TARGET_MASS[1]:g} % of the mass "
            "(NeuralBarycenter sample)",
            f"lightest {low:.1f} %, heaviest {high:.1f} %",
            _verdict(in_range[_NEURAL] == N_MODES),
        ]
    ]
    sections = [
        ("W2^2 to the ring and mass on its modes", summary_headers, summary),
        ("Mass per mode (nearest centre; mode 1 on the positive x-axis)", mass_headers, mass_rows),
        ("Targets", ["target", "measured", "verdict"], targets),
    ]
    for heading, headers, rows in sections:
        print(f"\n{heading}\n{format_table(headers, rows)}")
    write_rst(
        args.output,
        "One measure: a ring of 10 Gaussians (NWB paper, Fig. 10)",
        command_line("ring", add_arguments, args),
        sections,
        notes=[f"Machine: {machine_description(args.threads)}.", _note(args)],
    )


def _note(args):
    n = args.eval_samples
    schedule = schedule_description(args)
    return (
        f"The ring: a uniform mixture of {N_MODES} Gaussians with standard deviation "
        f"{MODE_STD:g} evenly spaced on a circle of radius {RING_RADIUS:g} (neighbouring "
        f"centres {2 * RING_RADIUS * np.sin(np.pi / N_MODES):.2f} apart; the paper gives no "
        f"sizes). NeuralBarycenter ({schedule}) is fitted to {args.n_samples} samples as one "
        f"measure. W2^2 (POT's exact solver) from {n} points of each estimate to {n} "
        f"held-out samples of the ring; the floor is a second sample of {n}, which is also "
        "the sample that push_forward maps (for one measure the barycenter is the measure, "
        "so the map should move nothing): the floor of independent draws, which applies to "
        "push_forward and the Gaussian fit. NeuralBarycenter's sample draws quasi-random "
        "latents by default (one scrambled Sobol sequence, its first coordinate picking the "
        "component), so its floor is the quasi-random one: "
        f"{n} samples of the ring drawn the same way, every mode getting its share. A "
        "sample's mode is its nearest centre; it is on a "
        f"mode within {_ON_MODE_STDS:g} standard deviations of that centre (98.9 % of exact "
        "samples). The Gaussian fit spreads its mass evenly over the modes' directions, "
        "hence the on-mode column beside the masses."
    )
