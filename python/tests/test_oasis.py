"""emergent.import_oasis: the `emergent import oasis` library call, on the databases real
OASIS 0.2.5 wrote (crates/oasis/tests/fixtures), then attribution over the import."""

from __future__ import annotations

import sqlite3

import pytest

import emergent


def fixture(root, name):
    return root / "crates" / "oasis" / "tests" / "fixtures" / name


def test_an_oasis_twitter_database_imports_and_attributes(root, tmp_path):
    out = tmp_path / "oasis"
    imported = emergent.import_oasis(fixture(root, "oasis-0.2.5-twitter.db"), out)
    assert imported.summary["agents"] == len(imported.features) > 0
    assert {"posts", "followers"} <= set(imported.features.columns)
    assert (out / "follows.parquet").is_file()
    a = emergent.attribute(out / "features.parquet", "gini(posts + likes_received + 1)", baseline="mean")
    assert a.n_agents == imported.summary["agents"]
    assert a.sum_phi == pytest.approx(a.value - a.baseline_value, abs=1e-9)
    with pytest.raises(emergent.EmergentError):
        emergent.import_oasis(fixture(root, "oasis-0.2.5-twitter.db"), out)  # not empty
    emergent.import_oasis(fixture(root, "oasis-0.2.5-reddit.db"), out, force=True)


def test_a_foreign_database_names_what_is_missing(tmp_path):
    db = tmp_path / "foreign.db"
    with sqlite3.connect(db) as con:
        con.execute("CREATE TABLE user (user_id INTEGER)")
    with pytest.raises(emergent.EmergentError, match=r"foreign\.db: no table `post`"):
        emergent.import_oasis(db, tmp_path / "out")
