"""Progress of a run: a tqdm bar when tqdm is installed, nothing otherwise."""

from __future__ import annotations

from typing import Any, Callable, Optional


def make(show: Optional[bool]) -> Optional[Callable[[str, int, int], None]]:
    """The ``progress(event, a, b)`` callback the engine calls between ticks, or None.
    ``show=None`` shows a bar when tqdm is installed; ``False`` never does."""
    if show is False:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:
        if show:
            raise ImportError("progress=True needs tqdm: pip install tqdm") from None
        return None
    bar: Any = None

    def progress(event: str, a: int, b: int) -> None:
        nonlocal bar
        if event == "started":
            bar = tqdm(total=a, unit="tick", desc=f"{b} agents")
        elif event == "tick" and bar is not None:
            bar.update(a - bar.n)
        elif event == "attributing" and bar is not None:
            bar.set_postfix_str("attributing")
            bar.close()

    return progress
