"""Progress of long calls: a tqdm bar when tqdm is installed, nothing otherwise."""

from __future__ import annotations

from typing import Any, Callable, Optional


def _tqdm(show: Optional[bool]) -> Any:
    """tqdm's auto bar class, or None when bars are off or tqdm is missing (an error when
    ``show=True`` asked for one)."""
    if show is False:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:
        if show:
            raise ImportError("progress=True needs tqdm: pip install tqdm") from None
        return None
    return tqdm


def make(show: Optional[bool]) -> Optional[Callable[[str, int, int], None]]:
    """The ``progress(event, a, b)`` callback a run calls between ticks, or None.
    ``show=None`` shows a bar when tqdm is installed; ``False`` never does."""
    tqdm = _tqdm(show)
    if tqdm is None:
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


class Counter:
    """The library's progress (``start`` with a total and what is counted, then ``advance``
    by some amount) as a tqdm bar; :meth:`close` it when the call returns."""

    def __init__(self, tqdm: Any, unit: str):
        self._tqdm, self._unit, self._bar = tqdm, unit, None

    def __call__(self, event: str, n: int, what: str) -> None:
        if event == "start":
            self.close()
            self._bar = self._tqdm(total=n, desc=what, unit=self._unit, unit_scale=self._unit == "B")
        elif event == "advance" and self._bar is not None:
            self._bar.update(n)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def counter(show: Optional[bool], unit: str = "it") -> Optional[Counter]:
    """A :class:`Counter` for a call's ``progress=`` argument, or None (see :func:`make`)."""
    tqdm = _tqdm(show)
    return None if tqdm is None else Counter(tqdm, unit)


def closing(c: Optional[Counter]) -> Any:
    """``with closing(bar):`` closes the bar however the call ends."""
    import contextlib

    return contextlib.closing(c) if c is not None else contextlib.nullcontext()
