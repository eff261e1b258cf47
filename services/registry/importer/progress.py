"""The progress bar moved to ``shared.progress`` (the evaluation report import uses it too)."""

from shared.progress import Progress

__all__ = ["Progress"]
