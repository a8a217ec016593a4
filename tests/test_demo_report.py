"""The demo's report quotes the floor that applies to ``sample``'s quasi-random draws, and
the closed-form baseline of the training samples' Gaussian fits."""

import re

import numpy as np

from sklearn_wb.commands import demo
from sklearn_wb.numerics import gaussian_barycenter, paper_gaussians


def test_report_prints_the_estimate_both_floors_and_the_closed_form(capsys):
    mean, cov = gaussian_barycenter(*paper_gaussians())
    # independent exact samples: they score at the independent floor's scale, far above
    # the quasi-random one
    samples = np.random.default_rng(1).multivariate_normal(mean, cov, 20_000)
    shifted = (mean + 0.01, cov)  # BW2-UVP = 100 * 0.0002 / tr(cov), no sampling
    demo.print_report(mean, cov, samples, shifted, fit_seconds=1.0, threads=1, seed=0)
    out = capsys.readouterr().out.splitlines()
    line = next(line for line in out if line.startswith("BW2-UVP"))
    uvp, quasi_random, independent = map(float, re.findall(r"(\d\.\d+(?:e-\d+)?) %", line))
    assert "quasi-randomly" in line and "independently" in line
    assert quasi_random < independent / 100 and uvp > 100 * quasi_random
    closed_form = next(line for line in out if "closed form" in line)
    expected = 100 * 0.0002 / np.trace(cov)
    assert float(re.findall(r"(\d\.\d+) %", closed_form)[0]) == round(expected, 4)
