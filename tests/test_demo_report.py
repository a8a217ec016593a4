"""The demo's report quotes the floor that applies to ``sample``'s quasi-random draws."""

import re

from sklearn_wb.commands import demo
from sklearn_wb.numerics import gaussian_barycenter, paper_gaussians, sample_gaussians


def test_report_prints_both_floors_and_quasi_random_samples_sit_near_theirs(capsys):
    mean, cov = gaussian_barycenter(*paper_gaussians())
    samples, _ = sample_gaussians(mean[None], cov[None], 20_000, random_state=1, quasi_random=True)
    demo.print_report(mean, cov, samples, fit_seconds=1.0, threads=1, seed=0)
    line = next(line for line in capsys.readouterr().out.splitlines() if "BW2-UVP" in line)
    uvp, quasi_random, independent = map(float, re.findall(r"(\d\.\d+(?:e-\d+)?) %", line))
    assert "quasi-randomly" in line and "independently" in line
    # exact quasi-random samples score at their floor's scale, far below the independent one
    assert quasi_random < independent / 100 and uvp < independent / 100
