"""``emergent.study``: the ``emergent study`` command as a function."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Union

from . import _native
from ._attribution import TierShare
from ._tables import as_frame, num, rows_to_arrow

PathLike = Union[str, "os.PathLike[str]"]
PROTOCOLS = ("uniform", "visibility", "stratified", "activity")


@dataclass(frozen=True)
class IndicatorStudy:
    """One indicator's study: full-population attribution against panels.

    ``tiers`` are the full population's tier shares; ``panel_tiers[protocol]`` the mean share
    of each tier over that protocol's panels; ``c_star`` and ``spearman`` the mean rescaling
    factor c* and Spearman rank correlation (panel φ vs full φ restricted to the panel).
    """

    name: str
    expr: str
    baseline: str
    linear: bool
    value: float
    tiers: List[TierShare]
    panel_tiers: Dict[str, List[float]]
    c_star: Dict[str, float]
    spearman: Dict[str, float]
    verdict: str


@dataclass(frozen=True)
class StudyResult:
    """What ``emergent study`` wrote and found: ``json`` is ``study.json``'s content (every
    panel, sweep and scatter point), ``indicators`` its per-indicator summary, ``files`` the
    paths written under ``out`` (study.md, study.json, plots/)."""

    out: Path
    features: Path
    files: List[Path]
    n_agents: int
    panel_size: int
    seeds: int
    protocols: List[str]
    indicators: List[IndicatorStudy]
    json: Dict[str, Any] = field(repr=False)

    def table(self) -> List[Dict[str, Any]]:
        """The main table as rows: one per indicator and protocol (``full`` for the whole
        population first), the tier shares (``share_<tier>``, panel means), c*, the rescaling
        residual, Spearman, top-10 Jaccard and total variation (means and sds over panels)."""
        rows: List[Dict[str, Any]] = []
        for ind in self.json["indicators"]:
            full = {"indicator": ind["name"], "protocol": "full"}
            full.update({f"share_{t['name']}": num(t["share"]) for t in ind["full"]["tiers"]})
            rows.append(full)
            names = [t["name"] for t in ind["full"]["tiers"]]
            for p in ind["protocols"]:
                row: Dict[str, Any] = {"indicator": ind["name"], "protocol": p["protocol"]}
                for name, s in zip(names, p["tier_shares"]):
                    row[f"share_{name}"] = num(s["mean"])
                for key in ("c_star", "residual", "spearman", "top10_jaccard", "tv_distance"):
                    row[key] = num(p[key]["mean"])
                    row[f"{key}_sd"] = num(p[key]["sd"])
                rows.append(row)
        return rows

    def to_arrow(self) -> Any:
        """The main table (see :meth:`table`) as a pyarrow Table (NaN where the full
        population has no panel statistics)."""
        return rows_to_arrow(self.table())

    def to_pandas(self) -> Any:
        """The main table (see :meth:`table`) as a pandas DataFrame."""
        return as_frame(self.to_arrow(), "pandas")

    def to_polars(self) -> Any:
        """The main table (see :meth:`table`) as a polars DataFrame."""
        return as_frame(self.to_arrow(), "polars")


def _strings(x: Union[str, Sequence[str], None], split: bool = False) -> List[str]:
    if x is None:
        return []
    if isinstance(x, str):
        return x.split(",") if split else [x]
    return list(x)


def study(
    run_dir: Optional[PathLike] = None,
    *,
    features: Optional[PathLike] = None,
    indicator: Union[str, Sequence[str]] = (),
    baseline: Union[str, Sequence[str]] = (),
    out: Optional[PathLike] = None,
    panel_size: int = 100,
    seeds: int = 10,
    tier_by: Optional[str] = None,
    tiers: Sequence[float] = (0.01, 0.1),
    activity_by: str = "posts",
    protocols: Union[str, Sequence[str]] = PROTOCOLS,
    seed: int = 0,
    no_sweeps: bool = False,
) -> StudyResult:
    """Full-population attribution vs sampled panels (``emergent study``; same names and
    defaults): for each indicator, the tier shares of the whole population against those of
    ``seeds`` panels of ``panel_size`` agents under each protocol, the rescaling factor c*
    and its residual, Spearman and top-10 Jaccard, the scaling-bias verdict and robustness
    sweeps. Writes ``study.md``, ``study.json`` and ``plots/`` into ``out``.

    Args:
        run_dir: a run directory made by :func:`run`: its features, and the indicators and
            baselines its scenario declares; outputs in ``run_dir/study``.
        features: a feature table (.csv or .parquet) instead; needs ``indicator``.
        indicator: the indicator(s) to study with ``features``, e.g. ``"gini(posts + replies)"``.
        baseline: ``zero`` | ``mean`` | ``min`` | ``"COL=V,…"`` | a baseline table file: one
            for every indicator, or one per indicator (default zero).
        out: output folder (default ``run_dir/study``, or ``study/`` next to ``features``);
            an existing study folder is rewritten, never the input.
        panel_size, seeds: agents per panel; panels (seeds) per protocol.
        tier_by, tiers: the ranking column (default ``followers``; it also weights the
            visibility protocol) and the tier cuts, fractions of agents, highest first.
        activity_by: the weights of the activity protocol.
        protocols: ``uniform``, ``visibility``, ``stratified``, ``activity`` (a list or
            comma-separated).
        seed: master seed of the panel draws.
        no_sweeps: skip the robustness sweeps (baseline, quadrature steps, path).

    Works without the GIL. Errors raise :class:`EmergentError` with the command line's
    text (a missing column lists the table's columns; a bad indicator names where it fails).
    """
    if (run_dir is None) == (features is None):
        raise ValueError("give a run_dir or features=FILE (one of them)")
    indicators = _strings(indicator)
    if run_dir is not None and (indicators or _strings(baseline)):
        raise ValueError(
            "indicator and baseline go with features=; a run directory's come from its scenario"
        )
    d = _native.study(
        None if run_dir is None else os.fspath(run_dir),
        None if features is None else os.fspath(features),
        indicators,
        _strings(baseline),
        None if out is None else os.fspath(out),
        panel_size,
        seeds,
        tier_by,
        list(tiers),
        activity_by,
        _strings(protocols, split=True),
        seed,
        not no_sweeps,
    )
    data = json.loads(d["json"])
    return StudyResult(
        out=Path(d["out"]),
        features=Path(d["features"]),
        files=[Path(f) for f in d["files"]],
        n_agents=data["n_agents"],
        panel_size=data["panel_size"],
        seeds=data["seeds"],
        protocols=list(data["protocols"]),
        indicators=[_indicator(i) for i in data["indicators"]],
        json=data,
    )


def _indicator(i: Dict[str, Any]) -> IndicatorStudy:
    full = i["full"]
    return IndicatorStudy(
        name=i["name"],
        expr=i["expr"],
        baseline=i["baseline"],
        linear=i["linear"],
        value=num(full["value"]),
        tiers=[
            TierShare(t["name"], t["from"], t["to"], num(t["phi_sum"]), num(t["share"]))
            for t in full["tiers"]
        ],
        panel_tiers={
            p["protocol"]: [num(s["mean"]) for s in p["tier_shares"]] for p in i["protocols"]
        },
        c_star={p["protocol"]: num(p["c_star"]["mean"]) for p in i["protocols"]},
        spearman={p["protocol"]: num(p["spearman"]["mean"]) for p in i["protocols"]},
        verdict=i["verdict"]["text"],
    )
