"""What editors and help() see: every public function documented and typed, and the
native module's stubs naming exactly what it holds."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import emergent
from emergent import _native


def test_every_public_function_and_class_has_a_docstring_and_annotations():
    for name in emergent.__all__:
        obj = getattr(emergent, name)
        assert inspect.getdoc(obj), name
        if inspect.isfunction(obj):
            sig = inspect.signature(obj)
            assert sig.return_annotation is not inspect.Signature.empty, name
            missing = [p for p, v in sig.parameters.items() if v.annotation is inspect.Parameter.empty]
            assert not missing, (name, missing)


def test_the_stubs_name_every_native_function_and_nothing_else():
    stub = Path(_native.__file__).with_name("_native.pyi")
    tree = ast.parse(stub.read_text())
    stubbed = {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
    native = {n for n in dir(_native) if not n.startswith("__")}
    assert stubbed == native, (stubbed ^ native)


def test_the_cli_s_commands_are_all_here():
    for command in ["run", "resume", "experiment", "attribute", "attribute_dynamic", "play_game",
                    "study", "report", "validate", "import_oasis", "import_bluesky",
                    "synth_bluesky", "cache_stats", "cache_prune", "cache_export", "interview",
                    "distill"]:
        assert callable(getattr(emergent, command)), command
