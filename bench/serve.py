"""The servers under test, each run by uvicorn in its own process with the same options.

``python -m bench.serve hello <port>``: H0, a bare FastAPI app with one JSON route.
``python -m bench.serve suite <port> <config.json>``: the whole suite (five apps behind
``SuiteDispatcher``), with per-service settings from the config file.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import FastAPI

HELLO_PATH = "/hello"


def hello_app() -> FastAPI:
    app = FastAPI()

    @app.get(HELLO_PATH)
    async def hello() -> dict[str, str]:
        return {"hello": "world"}

    return app


def suite_app(config: dict[str, dict[str, Any]]) -> Any:
    from services.suite import SERVICES, SuiteDispatcher, build_apps

    settings = {name: cls(**config[name]) for name, (_factory, cls) in SERVICES.items()}
    return SuiteDispatcher(build_apps(settings))


def serve(app: Any, port: int) -> None:
    """One uvicorn worker, default event loop and HTTP parser (uvloop/httptools when present)."""
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
        lifespan="on",
        timeout_keep_alive=30,
    )


def main() -> None:
    kind, port = sys.argv[1], int(sys.argv[2])
    if kind == "hello":
        serve(hello_app(), port)
    elif kind == "suite":
        config = json.loads(Path(sys.argv[3]).read_text(encoding="utf-8"))
        serve(suite_app(config), port)
    else:
        raise SystemExit(f"unknown server kind {kind!r}")


if __name__ == "__main__":
    main()
