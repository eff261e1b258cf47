"""JSON logs through structlog, with the request id bound per request.

Never log request or response bodies: they may carry personal data (contact persons).
"""

from __future__ import annotations

import logging
import sys

import structlog

_configured = False


def configure_logging(level: str = "INFO", json_logs: bool = True, log_file: str = "") -> None:
    """Configure once per process; ``log_file`` appends there instead of stderr."""
    global _configured
    if _configured:
        return
    _configured = True
    renderer = structlog.processors.JSONRenderer() if json_logs else structlog.dev.ConsoleRenderer()
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(
            logging.getLevelNamesMapping().get(level.upper(), logging.INFO)
        ),
        logger_factory=structlog.PrintLoggerFactory(
            file=open(log_file, "a", encoding="utf-8", buffering=1) if log_file else sys.stderr
        ),
        cache_logger_on_first_use=True,
    )
