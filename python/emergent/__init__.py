"""emergent: Aumann–Shapley attribution of macro indicators to agents, and the emergent
social simulator, from Python. The Rust engine does the work; tables cross as Arrow.

Start with :func:`attribute` (a DataFrame and an indicator expression in, φ per agent out),
:func:`run` (a scenario file in, a :class:`Run` with lazy tables out), :func:`open_run` and
:func:`study` (full population vs sampled panels).
Every function is a command of the ``emergent`` binary with the same names and defaults.
"""

from ._native import EmergentError
from ._attribution import Attribution, TierShare, attribute
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
    "EmergentError",
    "IndicatorStudy",
    "Run",
    "StudyResult",
    "TierShare",
    "attribute",
    "attribute_dynamic",
    "import_oasis",
    "open_run",
    "play_game",
    "report",
    "resume",
    "run",
    "study",
]
