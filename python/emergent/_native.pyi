"""Type stubs of ``emergent._native``, the Rust extension module (python/src). Use the
documented functions of ``emergent`` instead; these are their thin native halves."""

from os import PathLike
from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple, Union

_Path = Union[str, PathLike[str]]

class EmergentError(Exception):
    """An error of the emergent engine; its text names the file, line and column
    (scenarios), or the file, row and column (tables), as the command line does."""

class ArrowTable:
    """One Arrow record batch; read it with ``pyarrow.table(x)`` or ``polars.DataFrame(x)``."""

    def __arrow_c_stream__(self, requested_schema: Optional[object] = None) -> object: ...
    def __len__(self) -> int: ...

def attribute(
    features: Union[object, _Path],
    indicator: str,
    baseline: Union[str, _Path, Mapping[str, float], object],
    method: str,
    steps: int,
    tol: Optional[float],
    permutations: int,
    seed: int,
    id_col: Optional[str],
    tier_by: Optional[str],
    tiers: Sequence[float],
    out: Optional[_Path],
    force: bool,
) -> Dict[str, Any]: ...
def run(
    scenario: Optional[_Path],
    resume: Optional[_Path],
    out: Optional[_Path],
    seed: Optional[int],
    set: Sequence[str],
    force: bool,
    offline: bool,
    max_calls: Optional[int],
    max_tokens: Optional[int],
    allow_prompt_path: Sequence[_Path],
    progress: Optional[Callable[[str, int, int], None]],
) -> Dict[str, Any]: ...
def report(run_dir: _Path) -> Dict[str, Any]: ...
def study(
    run_dir: Optional[_Path],
    features: Optional[_Path],
    indicators: Sequence[str],
    baselines: Sequence[str],
    out: Optional[_Path],
    panel_size: int,
    seeds: int,
    tier_by: Optional[str],
    tiers: Sequence[float],
    activity_by: str,
    protocols: Sequence[str],
    seed: int,
    sweeps: bool,
) -> Dict[str, Any]: ...
def attribute_dynamic(
    run_dir: _Path,
    indicators: Sequence[str],
    nodes: Optional[int] = None,
    tol: Optional[float] = None,
    max_nodes: Optional[int] = None,
    groups: Optional[str] = None,
) -> str: ...
def play_game(
    run_dir: _Path,
    groups: str,
    replicates: int,
    indicators: Sequence[str],
    permutations: Optional[int] = None,
    seed: int = 0,
    twin: bool = False,
) -> str: ...
def import_oasis(db: _Path, out: _Path, force: bool = False) -> str: ...
def dataset_files(run_dir: _Path, name: str) -> List[Path]: ...
def read_manifest(run_dir: _Path) -> str: ...
def read_attribution(run_dir: _Path) -> str: ...
def read_dynamic_attribution(run_dir: _Path) -> str: ...
def experiment(
    scenario: _Path,
    arms: Sequence[str],
    replicates: int,
    seed: Optional[int],
    set: Sequence[str],
    out: Optional[_Path],
    force: bool,
    indicators: Sequence[str],
    progress: Optional[Callable[[str, int, str], None]],
) -> Dict[str, Any]: ...
def validate(
    quick: bool,
    out: _Path,
    only: Sequence[str],
    seed: int,
    progress: Optional[Callable[[str, int, str], None]],
) -> Dict[str, Any]: ...
def cache_stats(cache: Optional[_Path] = None) -> str: ...
def cache_prune(
    cache: Optional[_Path] = None,
    model: Optional[str] = None,
    older_than: Optional[str] = None,
    all: bool = False,
    yes: bool = False,
) -> Tuple[Path, int]: ...
def cache_export(out: _Path, cache: Optional[_Path] = None, force: bool = False) -> int: ...
def interview(
    run_dir: _Path,
    agents: str,
    question: str,
    tick: Optional[int],
    choices: Optional[str],
    out: Optional[_Path],
    force: bool,
    base_url: Optional[str],
    offline: bool,
    max_calls: Optional[int],
) -> Dict[str, Any]: ...
def distill(
    run_dir: _Path,
    out: _Path,
    force: bool,
    check_seeds: Optional[int] = None,
    llm_runs: Sequence[_Path] = ...,
) -> Dict[str, Any]: ...
def import_bluesky(
    files: Sequence[_Path],
    out: _Path,
    force: bool,
    since: Optional[str],
    until: Optional[str],
    topics: Sequence[str],
    allow_partial: bool,
    threads: int,
    progress: Optional[Callable[[str, int, str], None]],
) -> str: ...
def synth_bluesky(
    users: int,
    days: float,
    out: _Path,
    seed: int,
    rate: float,
    start: str,
    level: int,
    threads: int,
    progress: Optional[Callable[[str, int, str], None]],
) -> str: ...
def _column_address(stream: object, name: str) -> Optional[int]: ...
def _library_seconds(
    features: object,
    indicator: str,
    baseline: str,
    method: str,
    steps: int,
    permutations: int,
    seed: int,
    repeat: int,
) -> List[Tuple[float, float]]: ...
