"""``emergent.attribute``: the ``emergent attribute`` command as a function."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Sequence, Union

from . import _native
from ._tables import as_frame, to_stream

Baseline = Union[str, "os.PathLike[str]", Mapping[str, float], Any]


@dataclass(frozen=True)
class TierShare:
    """One tier: agents at ranks ``[start, stop)`` of the ranking (0 = highest), the sum of
    their φ and its share of the total."""

    name: str
    start: int
    stop: int
    phi_sum: float
    share: float


@dataclass(frozen=True)
class Attribution:
    """What ``emergent attribute`` reports, with φ as a table.

    ``phi`` has one row per agent: the id column (``agent_id`` unless ``id_col`` named
    another), ``phi``, and ``phi_<column>`` for each column the indicator reads (closed forms
    and quadrature; the Shapley methods, whose players are agents, give ``phi`` only). It is a
    pyarrow Table sharing the engine's buffers; :meth:`to_pandas` and :meth:`to_polars` convert.
    """

    indicator: str
    value: float
    baseline: str
    baseline_value: float
    sum_phi: float
    completeness_gap: float
    method: str
    steps: Optional[int]
    permutations: Optional[int]
    n_agents: int
    #: Building and checking the table (reading it, from a file), the attribution alone (the
    #: CLI's ``--json`` ``seconds``), and the tier shares after it.
    table_seconds: float
    seconds: float
    tier_seconds: float
    tier_by: Optional[str]
    tiers: List[TierShare]
    out: Optional[str]
    phi: Any = field(repr=False)

    def to_pandas(self) -> Any:
        """φ per agent as a pandas DataFrame."""
        return as_frame(self.phi, "pandas")

    def to_polars(self) -> Any:
        """φ per agent as a polars DataFrame."""
        return as_frame(self.phi, "polars")

    def tier_table(self) -> Any:
        """The tier shares as a pandas DataFrame (empty without a tier column)."""
        import pandas as pd

        return pd.DataFrame([t.__dict__ for t in self.tiers])


def attribute(
    table: Any,
    indicator: str,
    baseline: Baseline = "zero",
    method: str = "auto",
    *,
    steps: int = 32,
    tol: Optional[float] = None,
    permutations: Optional[int] = None,
    seed: int = 0,
    id_col: Optional[str] = None,
    tier_by: Optional[str] = None,
    tiers: Sequence[float] = (0.01, 0.1),
    out: Union[str, "os.PathLike[str]", None] = None,
    force: bool = False,
) -> Attribution:
    """Attribute the macro indicator ``indicator`` over ``table`` to every agent
    (``emergent attribute --features``; same names and defaults).

    Args:
        table: one row per agent: a pandas or polars DataFrame, a pyarrow Table (passed
            through the Arrow C data interface; Float64 columns are not copied), or a path to
            a ``.csv``/``.parquet`` feature table or to a run directory (its final features).
        indicator: the indicator expression, e.g. ``"var(stance)"`` or
            ``"gini(posts + replies)"``.
        baseline: ``"zero"`` | ``"mean"`` (equal shares) | ``"min"`` | ``"initial"`` (with a
            run directory: every agent's features at its first recorded tick) |
            ``"COL=V,COL=V"`` | a ``{column: value}`` dict | a baseline table (DataFrame,
            pyarrow Table or path) with the same agent ids.
        method: ``auto`` | ``closed-form`` | ``quadrature`` | ``exact-shapley`` |
            ``sampled-shapley``.
        steps: Gauss–Legendre nodes for quadrature, 1–4096.
        tol: double the nodes until the completeness gap is at most this.
        permutations: permutations for sampled Shapley (default 1000).
        seed: seed of sampled Shapley.
        id_col: the agent id column (default ``agent_id`` if present, else row numbers).
        tier_by: rank agents by this column for tier shares (default ``followers`` when the
            table has it).
        tiers: tier cut points as fractions of agents, highest first.
        out: also write φ here (``.csv`` or ``.parquet``), never over an input.
        force: overwrite an existing ``out``.

    Returns:
        An :class:`Attribution`. Raises :class:`emergent.EmergentError` with the command
        line's message (the indicator's column, the table's row and column, ``--baseline``'s
        value) on bad input.

    The table is checked (finite values, unique ids) and attributed without the GIL, as the
    command's own library calls; ids and Float64 columns are read where Arrow keeps them.
    """
    if not 1 <= steps <= 4096:
        raise ValueError(f"steps must be 1–4096; got {steps}")
    if permutations is not None and not 1 <= permutations <= 16_777_216:
        raise ValueError(f"permutations must be 1–16777216; got {permutations}")
    features = table if isinstance(table, (str, os.PathLike)) else to_stream(table)
    if isinstance(baseline, (str, os.PathLike)) or isinstance(baseline, Mapping):
        base: Any = dict(baseline) if isinstance(baseline, Mapping) else baseline
    else:
        base = to_stream(baseline)
    raw: Dict[str, Any] = _native.attribute(
        features,
        indicator,
        base,
        method,
        steps,
        tol,
        1000 if permutations is None else permutations,
        seed,
        id_col,
        tier_by,
        [float(t) for t in tiers],
        None if out is None else os.fspath(out),
        force,
    )
    import pyarrow as pa

    tiers_list = [
        TierShare(t["name"], t["from"], t["to"], t["phi_sum"], t["share"])
        for t in (json.loads(raw.pop("tiers_json")) or [])
    ]
    phi = pa.table(raw.pop("phi"))
    out_path = raw.pop("out")
    return Attribution(
        tiers=tiers_list,
        phi=phi,
        out=None if out_path is None else os.fspath(out_path),
        **raw,
    )
