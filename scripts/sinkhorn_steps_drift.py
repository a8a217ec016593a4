"""Side run: do the generator's minibatch Sinkhorn steps keep a barycenter's mode masses?

Free particles start at a near-exact barycenter of ``reproduce mixtures``' three measures
(the free-support fixed point with exact plans) and take the Sinkhorn steps' update,
x <- x - step * B * grad_x sum_i a_i S_eps(x_batch, mu_i batch), which moves a particle
``step`` of the way towards sum_i a_i T_i(x) (T_i the minibatch entropic maps). Printed
along the way: the mass of the four small modes (1 twelfth each in the near-exact
answer, as an average per mode, in twelfths) and the barycenter cost of 3000 of the
particles against held-out samples (exact W2^2).

Measured (seed 0, 8000 particles, blur 0.2, step 0.1, one thread): with B = 128 the
small modes' mass went 1.03 -> 0.99 / 0.91 / 0.86 / 0.83 after 750 / 1500 / 2250 / 3000
steps and the cost 4.29 -> 4.37 / 4.42 / 4.47 / 4.47; with B = 1024 (as many updates per
particle in 375 steps as in 3000 of 128) 1.03 -> 0.98 / 0.93 / 0.89 / 0.87 after 93 / 186
/ 279 / 372 steps, the cost 4.29 -> 4.32 / 4.35 / 4.34 / 4.44. At either batch size the
steps move mass off the small modes and raise the cost: :class:`sklearn_wb.NeuralBarycenter`
therefore starts its generator at the free-support fixed point in 1-D and 2-D and does not
move it.

    python scripts/sinkhorn_steps_drift.py --batch-size 128 --steps 3000
    python scripts/sinkhorn_steps_drift.py --batch-size 1024 --steps 375
"""

import argparse

import numpy as np
import torch
from geomloss import SamplesLoss

from sklearn_wb.commands._exact_ot import barycenter_cost, exact_plan_barycenter
from sklearn_wb.numerics import make_gaussian_mixtures

SMALL_MODES = [[4.5, 1.3], [-4.5, 1.3], [4.5, -1.3], [-4.5, -1.3]]
LARGE_MODES = [[3, 4], [-3, 4], [3, -4], [-3, -4]]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--step", type=float, default=0.1, help="fraction of the way to the map")
    parser.add_argument("--blur", type=float, default=0.2, help="GeomLoss blur, data units")
    parser.add_argument("--particles", type=int, default=8000)
    parser.add_argument("--reports", type=int, default=4)
    parser.add_argument("--seed", type=int, default=0)
    return parser.parse_args(argv)


def small_mode_mass(x):
    """Average mass of a small mode, in twelfths, each point given to its nearest mode."""
    modes = torch.tensor(LARGE_MODES + SMALL_MODES, dtype=x.dtype)
    nearest = torch.cdist(x, modes).argmin(1)
    return (nearest >= len(LARGE_MODES)).double().mean().item() * 12 / len(SMALL_MODES)


def main(argv=None):
    args = parse_args(argv)
    torch.set_num_threads(1)
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    n_eval, n = 3000, args.particles
    X, y = make_gaussian_mixtures(3, 20000, random_state=args.seed)
    measures = [X[y == k] for k in range(3)]
    weights = np.full(3, 1 / 3)
    held_out = [m[:n_eval] for m in measures]
    start = exact_plan_barycenter([m[n_eval : n_eval + n] for m in measures], weights, rng)
    x = torch.as_tensor(start, dtype=torch.float32)
    samples = [torch.as_tensor(m[n_eval:], dtype=torch.float32) for m in measures]
    divergence = SamplesLoss("sinkhorn", p=2, blur=args.blur, scaling=0.8, debias=True)
    batch = args.batch_size
    for step in range(args.steps + 1):
        if step % max(args.steps // args.reports, 1) == 0:
            scored = x[torch.randperm(n)[:n_eval]].numpy()
            cost = barycenter_cost(scored, held_out, weights)
            print(f"step {step}: small-mode mass {small_mode_mass(x):.3f}, cost {cost:.4f}")
        rows = torch.randperm(n)[:batch]
        moving = x[rows].clone().requires_grad_(True)
        loss = sum(
            a * divergence(moving, m[torch.randint(len(m), (batch,))])
            for a, m in zip(weights, samples)
        )
        (gradient,) = torch.autograd.grad(loss, moving)
        x[rows] = moving.detach() - args.step * batch * gradient


if __name__ == "__main__":
    main()
