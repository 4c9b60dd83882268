"""Shared fixtures: the repository root, and one small quickstart run the run tests share."""

from __future__ import annotations

from pathlib import Path

import pytest

import emergent

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def small_run(tmp_path_factory) -> emergent.Run:
    """scenarios/quickstart.toml at 2000 agents and 12 ticks (a second or two)."""
    out = tmp_path_factory.mktemp("runs") / "quickstart"
    return emergent.run(
        ROOT / "scenarios" / "quickstart.toml",
        out=out,
        seed=7,
        set={"population.agents": 2000, "scenario.ticks": 12},
        progress=False,
    )
