"""Tables in and out: any Arrow-compatible table → the Arrow C stream capsule the engine
reads without copying, and the engine's Arrow results → pandas, polars or pyarrow."""

from __future__ import annotations

from typing import Any

FRAMES = ("pandas", "polars", "arrow")


def to_stream(table: Any) -> Any:
    """The Arrow C stream capsule of ``table``: a pyarrow Table or RecordBatch, a polars
    DataFrame, a pandas DataFrame, or anything with ``__arrow_c_stream__``. Float64 columns
    are shared with the engine, not copied (pandas goes through ``pyarrow.Table.from_pandas``,
    which shares float64 numpy columns)."""
    if _is_pandas(table):
        import pyarrow as pa

        table = pa.Table.from_pandas(table, preserve_index=False)
    if hasattr(table, "__arrow_c_stream__"):
        return table.__arrow_c_stream__()
    raise TypeError(
        "expected a pandas or polars DataFrame, a pyarrow Table, or an object with "
        f"__arrow_c_stream__; got {type(table).__name__}"
    )


def _is_pandas(obj: Any) -> bool:
    return type(obj).__module__.split(".")[0] == "pandas" and hasattr(obj, "columns")


def default_frame() -> str:
    """pandas when it is installed, else polars, else pyarrow."""
    for name in ("pandas", "polars"):
        try:
            __import__(name)
            return name
        except ImportError:
            continue
    return "arrow"


def as_frame(arrow_obj: Any, frame: str | None) -> Any:
    """An Arrow table (or anything with ``__arrow_c_stream__``) as ``frame``."""
    import pyarrow as pa

    frame = frame or default_frame()
    table = arrow_obj if isinstance(arrow_obj, pa.Table) else pa.table(arrow_obj)
    if frame == "arrow":
        return table
    if frame == "pandas":
        return table.to_pandas()
    if frame == "polars":
        import polars as pl

        return pl.from_arrow(table)
    raise ValueError(f"frame must be one of {', '.join(FRAMES)}; got {frame!r}")


def num(x: Any) -> float:
    """JSON's null (how the engine writes NaN) back to NaN."""
    import math

    return math.nan if x is None else float(x)


def rows_to_arrow(rows: "list[dict[str, Any]]") -> Any:
    """Rows of a summary (dicts) as a pyarrow Table: every key any row has, in first-seen
    order, NaN where a row lacks it (the full population has no panel statistics, an arm
    whose attribution failed no tier shares)."""
    import math

    import pyarrow as pa

    keys: "list[str]" = []
    for r in rows:
        keys.extend(k for k in r if k not in keys)
    return pa.table({k: [r.get(k, math.nan) for r in rows] for k in keys})
