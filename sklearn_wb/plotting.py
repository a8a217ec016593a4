"""Figures shared by the commands and the gallery (matplotlib, imported lazily), and the
gallery's fast-mode switch."""

import os

import numpy as np

FAST_MODE_VARIABLE = "SKLEARN_WB_DOCS_FAST"


def docs_fast_mode():
    """Whether the gallery examples should run at their small, fast size.

    True when the environment variable ``SKLEARN_WB_DOCS_FAST`` is set to anything but
    ``""`` or ``"0"``. The examples then shrink their sample sizes, training schedules
    and solver budgets so that each runs in seconds (CI builds the documentation this
    way); otherwise they run at full size.

    Returns
    -------
    bool

    Examples
    --------
    >>> from sklearn_wb.plotting import docs_fast_mode
    >>> n_samples = 2_000 if docs_fast_mode() else 20_000
    """
    return os.environ.get(FAST_MODE_VARIABLE, "").strip() not in ("", "0")


def gaussian_contour(ax, mean, cov, levels=(1, 2, 3), **kwargs):
    """Draw the 1-, 2- and 3-sigma ellipses of a 2-D Gaussian on ``ax``."""
    eigvals, eigvecs = np.linalg.eigh(cov)
    angle = np.linspace(0, 2 * np.pi, 200)
    circle = np.stack([np.cos(angle), np.sin(angle)])
    for level in levels:
        ellipse = mean[:, None] + eigvecs @ (level * np.sqrt(eigvals)[:, None] * circle)
        ax.plot(*ellipse, **kwargs)


def plot_barycenter_2d(X, y, samples, mean=None, cov=None, title=None, max_points=3000):
    """Marginals, learned barycenter samples and, when known, the exact barycenter.

    Parameters
    ----------
    X : ndarray of shape (n_samples, 2)
        Samples of the measures.
    y : ndarray of shape (n_samples,)
        Their labels.
    samples : ndarray of shape (n_barycenter_samples, 2)
        Samples of the learned barycenter.
    mean, cov : ndarray, optional
        The exact barycenter, drawn as sigma ellipses.
    title : str, optional
    max_points : int, default=3000
        Points drawn per measure, to keep the figure light.

    Returns
    -------
    fig : matplotlib.figure.Figure
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 6))
    for label in np.unique(y):
        points = X[y == label][:max_points]
        ax.scatter(*points.T, s=2, alpha=0.25, label=f"measure {label}")
    ax.scatter(*samples[:max_points].T, s=2, color="black", alpha=0.5, label="learned barycenter")
    if mean is not None:
        gaussian_contour(ax, np.asarray(mean), np.asarray(cov), color="red", lw=1.2)
        ax.plot([], [], color="red", label="exact barycenter (1, 2, 3 sigma)")
    ax.set_aspect("equal")
    ax.legend(loc="upper left", fontsize=8, markerscale=4)
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig
