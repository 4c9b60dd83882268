"""``emergent.distill``: the ``emergent distill`` command as a function (``docs/distill.md``)."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

from . import _native
from ._run import PathLike
from ._tables import as_frame, rows_to_arrow


@dataclass(frozen=True)
class DistillResult:
    """What ``emergent distill`` wrote: ``policy`` (``policy.json``, run it with ``[policy]
    kind = "distilled"``) and ``report`` (``distill.json`` beside it, whose content is
    ``json``): decisions fitted on and held out, the groups, and the distilled policy's
    fidelity on the held-out decisions next to the hand-written surrogate's
    (:meth:`fidelity`)."""

    policy: Path
    report: Path
    json: Dict[str, Any] = field(repr=False)

    @property
    def fitted_on(self) -> int:
        return self.json["fitted_on"]

    @property
    def held_out(self) -> int:
        return self.json["held_out"]

    @property
    def fell_back(self) -> int:
        """LLM decisions that fell back to the surrogate (left out of the fit)."""
        return self.json["fell_back"]

    def fidelity(self) -> List[Dict[str, Any]]:
        """One row per policy (``distilled``, and ``surrogate`` when the scenario's is bounded
        confidence), as the command prints them: held-out decisions, log-loss per decision,
        accuracy overall and per choice (post, like, reply, repost), stance RMSE. For an
        ``[econ]`` run (``json["kind"] == "econ"``; the surrogate is the rule baseline): log-loss
        per decision, and per propensity (work, consumption) log-loss and RMSE."""
        rows = []
        for name in ("distilled", "surrogate"):
            f = self.json.get(name)
            if f is None:
                continue
            if self.json.get("kind") == "econ":
                row = {"policy": name, "decisions": f["decisions"], "log_loss": f["log_loss"]}
                for choice in ("work", "consumption"):
                    row[f"{choice}_log_loss"] = f[choice]["log_loss"]
                    row[f"{choice}_rmse"] = f[choice]["rmse"]
                rows.append(row)
                continue
            row: Dict[str, Any] = {"policy": name, "decisions": f["decisions"],
                                   "log_loss": f["log_loss"], "accuracy": f["accuracy"]}
            for choice in ("post", "like", "reply", "repost"):
                row[f"{choice}_accuracy"] = f[choice]["accuracy"]
                row[f"{choice}_log_loss"] = f[choice]["log_loss"]
            row["stance_rmse"] = f["stance_rmse"]
            rows.append(row)
        return rows

    def to_arrow(self) -> Any:
        """:meth:`fidelity` as a pyarrow Table."""
        return rows_to_arrow(self.fidelity())

    def to_pandas(self) -> Any:
        """:meth:`fidelity` as a pandas DataFrame."""
        return as_frame(self.to_arrow(), "pandas")

    def to_polars(self) -> Any:
        """:meth:`fidelity` as a polars DataFrame."""
        return as_frame(self.to_arrow(), "polars")


def distill(
    run_dir: PathLike,
    out: PathLike = "policy.json",
    *,
    force: bool = False,
    check_seeds: Optional[int] = None,
    llm_runs: Sequence[PathLike] = (),
) -> DistillResult:
    """Fit a surrogate to the decisions a run's LLM agents made (``emergent distill``; same
    names and defaults): logistic models of each choice and linear models of the stances,
    one set per ``[[llm.groups]]`` group, fitted on most agents' decisions and scored on the
    held-out agents' next to the scenario's hand-written surrogate.

    Args:
        run_dir: a finished ``emergent run`` of a scenario with LLM agents (its decision log,
            ``decisions.parquet`` and ``decision_items.parquet``). A run without LLM agents
            raises :class:`EmergentError` ("no decision log …"), as the command does.
        out: where ``policy.json`` goes; ``distill.json`` is written beside it.
        force: overwrite an existing ``policy.json`` / ``distill.json``.
        check_seeds: the macro check (``--check-seeds K``): run the distilled policy on the
            LLM run's scenario at the same N with K seeds (the LLM runs' seeds first) and add
            ``macro_check`` to ``distill.json`` (each indicator at the last recorded tick, the
            means, the band, ``inside``). 1–100.
        llm_runs: more finished LLM runs of the same scenario and N, other seeds
            (``--llm-runs``): the distilled mean is then tested against their seed band.
            Needs ``check_seeds``. Every problem is refused before anything is fitted.

    Runs without the GIL. Errors raise :class:`EmergentError` with the command line's text.
    """
    d = _native.distill(
        os.fspath(run_dir), os.fspath(out), force, check_seeds, [os.fspath(r) for r in llm_runs]
    )
    return DistillResult(policy=Path(d["policy"]), report=Path(d["report"]), json=json.loads(d["json"]))
