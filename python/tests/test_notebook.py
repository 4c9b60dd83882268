"""examples/quickstart.ipynb runs headless (nbclient; the kernel's inline backend draws with
matplotlib's Agg) and shows both figures."""

from __future__ import annotations

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")


def test_the_quickstart_notebook_runs_and_plots(root, monkeypatch):
    monkeypatch.setenv("EMERGENT_ROOT", str(root))
    nb = nbformat.read(root / "examples" / "quickstart.ipynb", as_version=4)
    client = nbclient.NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(root / "examples")}}
    )
    client.execute()
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(images) >= 2, "the tier shares and the indicators over time"
    text = "".join(o.get("text", "") for o in outputs if o.get("output_type") == "stream")
    assert "closed-form" in text
