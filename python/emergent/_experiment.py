"""``emergent.experiment``: the ``emergent experiment`` command as a function."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Union

from . import _native, _progress
from ._run import PathLike, _toml_value
from ._tables import as_frame, num, rows_to_arrow


@dataclass(frozen=True)
class ExperimentResult:
    """What ``emergent experiment`` wrote and found.

    ``json`` is ``experiment.json``'s content (arms, trajectories with bands, the paired
    effects at the horizon and who carried them); :meth:`effects` sums it up as one row per
    indicator and treated arm. ``dir`` holds ``arms/<arm>/r<k>/`` (ordinary run directories,
    open them with :func:`emergent.open_run`), ``experiment.md``/``.html`` and ``plots/``.
    """

    dir: Path
    control: str
    arms: List[str]
    replicates: int
    #: Runs made by this call, and complete runs kept from an earlier one.
    ran: int
    kept: int
    seconds: float
    markdown: Path
    html: Path
    plots: List[Path]
    json: Dict[str, Any] = field(repr=False)

    def effects(self) -> List[Dict[str, Any]]:
        """One row per indicator and treated arm: the effect (treated − control of the same
        replicate, mean over replicates) with its standard error and 95 % interval, the
        largest completeness gap of the attribution of the effect to agents, and the share
        of the effect each tier carries (``share_<tier>``)."""
        rows: List[Dict[str, Any]] = []
        for ind in self.json["indicators"]:
            for x in ind["effects"]:
                e = x["effect"]
                row: Dict[str, Any] = {
                    "indicator": ind["name"],
                    "arm": x["arm"],
                    "control": self.control,
                    "effect": num(e["mean"]),
                    "std_error": num(e["std_error"]),
                    "low": num(e["low"]),
                    "high": num(e["high"]),
                }
                carried = x.get("carried") or {}
                row["completeness_gap"] = num(carried.get("completeness_gap"))
                for t in carried.get("tiers", []):
                    row[f"share_{t['name']}"] = num(t["share"])
                rows.append(row)
        return rows

    def to_arrow(self) -> Any:
        """:meth:`effects` as a pyarrow Table."""
        return rows_to_arrow(self.effects())

    def to_pandas(self) -> Any:
        """:meth:`effects` as a pandas DataFrame."""
        return as_frame(self.to_arrow(), "pandas")

    def to_polars(self) -> Any:
        """:meth:`effects` as a polars DataFrame."""
        return as_frame(self.to_arrow(), "polars")


def experiment(
    scenario: PathLike,
    arms: Union[Mapping[str, Optional[PathLike]], Sequence[str]],
    replicates: int,
    seed: Optional[int] = None,
    set: Optional[Mapping[str, Any]] = None,
    out: Optional[PathLike] = None,
    *,
    force: bool = False,
    indicator: Union[str, Sequence[str]] = (),
    progress: Optional[bool] = None,
) -> ExperimentResult:
    """Paired experiments (``emergent experiment``; same names and defaults): every arm — the
    scenario plus an arm file's ``[[interventions]]`` — runs ``replicates`` times on the same
    world with common random numbers (replicate r uses the same noise in every arm), then
    the paired effect of each treated arm at the horizon, with a 95 % interval, and the
    agents that carried it. Writes ``experiment.json``, ``experiment.md``, ``experiment.html``,
    ``plots/`` and ``phi/<arm>.csv`` into ``out`` (see ``docs/experiments.md``).

    Args:
        scenario: the scenario file (surrogate policies; not ``[econ]`` or LLM runs).
        arms: ``{name: interventions_file}`` (``None``: no extra interventions) or the
            CLI's ``["NAME=FILE", …]``. A ``control`` arm without interventions is added
            unless one is named ``control``.
        replicates: replicates per arm, at least 2 (the interval needs them).
        seed: override the scenario's seed (the world's: the same in every run).
        set: override scenario keys in every run, e.g. ``{"population.agents": 1000}``.
        out: the experiment directory (default ``runs/<scenario name>-experiment``).
        force: remove an earlier experiment's outputs in ``out`` and start over.
        indicator: sum up only these indicators of the scenario (default all).
        progress: a tqdm bar over the arm × replicate runs (default: when tqdm is installed).

    Runs without the GIL. Ctrl-C stops it after the current tick of the current run and
    raises KeyboardInterrupt; calling again with the same arguments keeps the complete runs
    and runs the rest. Errors raise :class:`EmergentError` with the command line's text.
    """
    if isinstance(arms, Mapping):
        specs = [f"{k}={'' if v is None else os.fspath(v)}" for k, v in arms.items()]
    elif isinstance(arms, str):
        specs = [arms]
    else:
        specs = list(arms)
    indicators = [indicator] if isinstance(indicator, str) else list(indicator)
    bar = _progress.counter(progress, unit="run")
    with _progress.closing(bar):
        d = _native.experiment(
            os.fspath(scenario),
            specs,
            replicates,
            seed,
            [f"{k}={_toml_value(v)}" for k, v in (set or {}).items()],
            None if out is None else os.fspath(out),
            force,
            indicators,
            bar,
        )
    data = json.loads(d["json"])
    return ExperimentResult(
        dir=Path(d["dir"]),
        control=data["control"],
        arms=[a["name"] for a in data["arms"]],
        replicates=data["replicates"],
        ran=d["ran"],
        kept=d["kept"],
        seconds=d["seconds"],
        markdown=Path(d["markdown"]),
        html=Path(d["html"]),
        plots=[Path(p) for p in d["plots"]],
        json=data,
    )
