"""The torch device that a ``device`` argument names, checked before any work starts."""

import torch


def resolve_device(device):
    """``"auto"``: CUDA when present, else the CPU; any other name or ``torch.device`` as
    torch reads it.

    Raises
    ------
    ValueError
        If torch does not know the name, or this machine lacks the device (``"cuda"``
        on a machine without CUDA), instead of an error from deep inside torch.
    """
    if isinstance(device, str) and device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError):
        raise ValueError(
            f"device must be 'auto', 'cpu', 'cuda', 'cuda:N' or another torch device, "
            f"got {device!r}."
        ) from None
    try:  # torch's own errors here name neither the argument nor a way out
        torch.empty(0, device=resolved)
    except (RuntimeError, AssertionError) as error:
        reason = str(error).strip().split(". ")[0]  # torch's first sentence; the rest is noise
        raise ValueError(
            f"device={device!r} is not available on this machine ({reason}); use "
            "device='auto' (CUDA when present) or 'cpu'."
        ) from None
    return resolved
