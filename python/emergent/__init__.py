"""emergent: Aumann–Shapley attribution of macro indicators to agents, and the emergent
social simulator, from Python. The Rust engine does the work; tables cross as Arrow.

Start with :func:`attribute` (a DataFrame and an indicator expression in, φ per agent out),
:func:`run` (a scenario file in, a :class:`Run` with lazy tables out), :func:`open_run` and
:func:`study` (full population vs sampled panels); then :func:`experiment` (arms of
interventions vs a control), :func:`attribute_dynamic` and :func:`play_game` (attribution
through the dynamics, and its ground truth), :func:`validate`, the importers
(:func:`import_oasis`, :func:`import_bluesky`, :func:`synth_bluesky`), the LLM replay
cache (:func:`cache_stats`, :func:`cache_prune`, :func:`cache_export`) and
:func:`interview` (ask a run's LLM agents a question as they were at a tick) and
:func:`distill` (fit a surrogate to a run's LLM decisions).
Every function is a command of the ``emergent`` binary with the same names and defaults.
"""

from ._native import EmergentError
from ._attribution import Attribution, TierShare, attribute
from ._bluesky import import_bluesky, synth_bluesky
from ._cache import CacheExport, CacheStats, cache_export, cache_prune, cache_stats
from ._distill import DistillResult, distill
from ._experiment import ExperimentResult, experiment
from ._interview import InterviewResult, interview
from ._validate import ValidationResult, validate
from ._run import (
    Run,
    attribute_dynamic,
    import_oasis,
    open_run,
    play_game,
    report,
    resume,
    run,
)
from ._study import IndicatorStudy, StudyResult, study

__all__ = [
    "Attribution",
    "CacheExport",
    "CacheStats",
    "DistillResult",
    "EmergentError",
    "ExperimentResult",
    "IndicatorStudy",
    "InterviewResult",
    "Run",
    "StudyResult",
    "TierShare",
    "ValidationResult",
    "attribute",
    "attribute_dynamic",
    "cache_export",
    "cache_prune",
    "cache_stats",
    "distill",
    "experiment",
    "import_bluesky",
    "import_oasis",
    "interview",
    "open_run",
    "play_game",
    "report",
    "resume",
    "run",
    "study",
    "synth_bluesky",
    "validate",
]
