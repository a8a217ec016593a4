"""The demo's report quotes the floor that applies to ``sample``'s quasi-random draws."""

import re

import numpy as np

from sklearn_wb.commands import demo
from sklearn_wb.numerics import gaussian_barycenter, paper_gaussians


def test_report_prints_the_estimate_then_both_floors(capsys):
    mean, cov = gaussian_barycenter(*paper_gaussians())
    # independent exact samples: they score at the independent floor's scale, far above
    # the quasi-random one
    samples = np.random.default_rng(1).multivariate_normal(mean, cov, 20_000)
    demo.print_report(mean, cov, samples, fit_seconds=1.0, threads=1, seed=0)
    line = next(line for line in capsys.readouterr().out.splitlines() if "BW2-UVP" in line)
    uvp, quasi_random, independent = map(float, re.findall(r"(\d\.\d+(?:e-\d+)?) %", line))
    assert "quasi-randomly" in line and "independently" in line
    assert quasi_random < independent / 100 and uvp > 100 * quasi_random
