"""``emergent.validate``: the ``emergent validate`` command as a function."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Union

from . import _native, _progress
from ._run import PathLike
from ._tables import as_frame


@dataclass(frozen=True)
class ValidationResult:
    """What ``emergent validate`` found and wrote.

    ``checks`` has one dict per published result (``id``, ``title``, ``pass``,
    ``known_gap`` — why a result not reproduced is a known gap, else None — ``ours``,
    ``published``, ``citation``, ``notes``); ``markdown`` is ``validation.md``, ``figures``
    its figures. ``ok`` is what the command's exit status says: every result reproduced or a
    known gap.
    """

    checks: List[Dict[str, Any]] = field(repr=False)
    markdown: Path
    figures: List[Path] = field(repr=False)

    @property
    def failures(self) -> List[Dict[str, Any]]:
        """Results not reproduced that are not known gaps (the command exits 1 on any)."""
        return [c for c in self.checks if not c["pass"] and c["known_gap"] is None]

    @property
    def ok(self) -> bool:
        return not self.failures

    def to_pandas(self) -> Any:
        """The checks as a pandas DataFrame."""
        return as_frame(self._arrow(), "pandas")

    def to_polars(self) -> Any:
        """The checks as a polars DataFrame."""
        return as_frame(self._arrow(), "polars")

    def _arrow(self) -> Any:
        import pyarrow as pa

        keys = ["id", "title", "pass", "known_gap", "ours", "published", "citation", "notes"]
        return pa.table({k: [c[k] for c in self.checks] for k in keys})


def validate(
    quick: bool = False,
    out: PathLike = "validation",
    only: Union[str, Sequence[str]] = (),
    seed: int = 1,
    *,
    progress: Optional[bool] = None,
) -> ValidationResult:
    """Reproduce the canonical published results of the models, with figures (``emergent
    validate``; same names and defaults). Writes ``validation.md`` and its figures into
    ``out``.

    Args:
        quick: CI sizes (each module well under a minute); otherwise the sizes of
            ``docs/validation.md`` (minutes).
        out: where ``validation.md`` and ``validation/*.png``, ``*.svg`` go.
        only: run only these modules, e.g. ``"deffuant"`` (an unknown name raises
            :class:`EmergentError` listing the modules).
        seed: master seed of every experiment.
        progress: a tqdm bar over the modules (default: when tqdm is installed).

    Does not raise when a result is not reproduced: look at ``ok`` and ``failures``. Runs
    without the GIL; Ctrl-C stops it after the module running (then nothing is written) and
    raises KeyboardInterrupt.
    """
    modules = [only] if isinstance(only, str) else list(only)
    bar = _progress.counter(progress, unit="module")
    with _progress.closing(bar):
        d = _native.validate(quick, os.fspath(out), modules, seed, bar)
    return ValidationResult(
        checks=list(d["checks"]),
        markdown=Path(d["markdown"]),
        figures=[Path(f) for f in d["figures"]],
    )
