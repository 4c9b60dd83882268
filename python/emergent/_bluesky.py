"""``emergent.import_bluesky`` and ``synth_bluesky``: ``emergent import bluesky`` and
``emergent synth bluesky`` as functions."""

from __future__ import annotations

import json
import os
from typing import Any, Dict, Optional, Sequence, Union

from . import _native, _progress
from ._run import PathLike, Run


def import_bluesky(
    files: Union[PathLike, Sequence[PathLike]],
    out: PathLike,
    *,
    force: bool = False,
    since: Optional[str] = None,
    until: Optional[str] = None,
    topic: Union[str, Sequence[str]] = (),
    allow_partial: bool = False,
    threads: int = 0,
    progress: Optional[bool] = None,
    frame: Optional[str] = None,
) -> Run:
    """Bluesky Jetstream captures → ``features.parquet``, ``follows.parquet``,
    ``topic_<NAME>.parquet`` and ``import.json`` in ``out`` (``emergent import bluesky``; same
    names and defaults). Returns the folder as a :class:`Run` whose ``summary`` is the import
    report (``import.json``); ``features`` and :func:`emergent.attribute` work on it.

    Args:
        files: capture files (``.jsonl``, ``.jsonl.gz``, ``.jsonl.zst``), read in order as one
            stream.
        out: the output folder: new or empty unless ``force``; never a run directory or an
            input's folder.
        since, until: keep events at or after ``since`` and before ``until`` (RFC 3339, e.g.
            ``"2024-11-01T00:00:00Z"``, or microseconds).
        topic: topic tables, ``"NAME=kw1,kw2"`` (a ``#tag`` keyword matches only the hashtag).
        allow_partial: on a truncated compressed file, import the events before the break.
        threads: parser threads (0 = one per core).
        progress: a tqdm bar over the bytes read (default: when tqdm is installed).

    Runs without the GIL; Ctrl-C stops the import (nothing is written) and raises
    KeyboardInterrupt. Errors raise :class:`EmergentError` with the command line's text.
    """
    paths = [files] if isinstance(files, (str, os.PathLike)) else list(files)
    topics = [topic] if isinstance(topic, str) else list(topic)
    bar = _progress.counter(progress, unit="B")
    with _progress.closing(bar):
        report = _native.import_bluesky(
            [os.fspath(f) for f in paths],
            os.fspath(out),
            force,
            since,
            until,
            topics,
            allow_partial,
            threads,
            bar,
        )
    return Run(out, frame, json.loads(report))


def synth_bluesky(
    users: int,
    days: float,
    out: PathLike,
    *,
    seed: int = 0,
    rate: float = 2.1,
    start: str = "2024-11-01T00:00:00Z",
    level: int = 1,
    threads: int = 0,
    progress: Optional[bool] = None,
) -> Dict[str, Any]:
    """A synthetic Jetstream capture with heavy-tailed followers and activity (``emergent
    synth bluesky``; same names and defaults); the same seed gives the same file. Returns
    the generated counts (the command's ``--json``).

    Args:
        users: number of users.
        days: length of the capture in days.
        out: the file to write: ``.jsonl``, ``.jsonl.gz`` or ``.jsonl.zst`` (atomically).
        seed: random seed.
        rate: mean events a user authors per day.
        start: time of the first event (RFC 3339 or microseconds).
        level: zstd level for ``.zst`` output.
        threads: threads (0 = one per core).
        progress: a tqdm bar (default: when tqdm is installed).

    Runs without the GIL. Ctrl-C is seen when the file is complete (the generator has no
    stopping point before; it writes atomically, so no partial file is left).
    """
    bar = _progress.counter(progress, unit="event")
    with _progress.closing(bar):
        report = _native.synth_bluesky(
            users, days, os.fspath(out), seed, rate, start, level, threads, bar
        )
    return json.loads(report)
