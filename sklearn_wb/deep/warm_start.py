"""Carry changed training parameters over to a skorch net that continues training."""

from skorch.callbacks import ProgressBar


def update_training_params(net, **params):
    """Set on ``net`` only the parameters whose value changed, then let its LR schedule
    peak at the current ``lr``.

    skorch re-initialises the optimizer, and so loses its moments, whenever a
    ``criterion__`` parameter is set (``lr`` it updates in place); an unchanged value is
    therefore left alone. A torch schedule scales each parameter group's ``initial_lr``,
    which it never overwrites, and one that restarts begins at the group's ``lr``, which
    the last fit left at the end of its schedule: both are set to ``lr``.
    """
    current = net.get_params()
    changed = {key: value for key, value in params.items() if current.get(key) != value}
    # skorch's set_params rejects the iterators' parameters on an initialised net (it
    # finds nothing to re-initialise); the iterators read them from the net at each fit.
    for key in [key for key in changed if key.startswith(("iterator_train__", "iterator_valid__"))]:
        setattr(net, key, changed.pop(key))
    if changed:
        net.set_params(**changed)
    if "lr" in params and hasattr(net, "optimizer_"):
        for group in net.optimizer_.param_groups:
            # a schedule that restarts (last_epoch=-1) begins at the group's current lr
            group["lr"] = group["initial_lr"] = params["lr"]


def progress_bar(verbose, **bar_params):
    """The ``"progress"`` callback: a progress bar when ``verbose`` is positive, else
    None, which skorch skips and a later fit may replace."""
    return ProgressBar(**bar_params) if verbose > 0 else None


def update_verbosity(net, verbose, **bar_params):
    """Make ``net``'s continued fit as verbose as ``verbose``: its epoch table and progress
    bar. The bar is replaced only when it must be switched on or off, since that
    re-initialises every callback; skorch's ``set_params`` cannot name a callback that is
    None, so it is set as the attribute that skorch's initialisation reads."""
    net.verbose = verbose
    if ("progress" in dict(net.callbacks_)) != (verbose > 0):
        net.callbacks__progress = progress_bar(verbose, **bar_params)
        net.initialize_callbacks()
