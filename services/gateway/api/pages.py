"""What the gateway's HTML pages share: the Jinja2 environment, static files, headers.

Pages are rendered on the server with autoescaping; every script, style and icon is shipped in
``static/`` and served at ``/gateway/static/<name>?v=<content hash>`` (cached for a year: a
changed file gets a new hash). A Content-Security-Policy allows nothing from elsewhere.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import Query
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape

from services.gateway.service.texts import TEXT, Lang
from shared.clock import danish_time, utcnow
from shared.errors import Problem
from shared.events.spec import SERVICES

PACKAGE = Path(__file__).resolve().parent.parent
TEMPLATES = PACKAGE / "templates"
STATIC = PACKAGE / "static"
STATIC_PREFIX = "/gateway/static"
CONTENT_TYPES = {
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
}
#: Nothing from elsewhere: scripts, styles, images and connections to this origin only.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)

LangQuery = Annotated[
    Literal["da", "en"], Query(description="Language of the page: da (default) or en")
]


def _static_files() -> dict[str, tuple[bytes, str]]:
    files = {}
    for path in sorted(STATIC.iterdir()):
        if path.is_file() and path.suffix in CONTENT_TYPES:
            body = path.read_bytes()
            files[path.name] = (body, hashlib.sha256(body).hexdigest()[:12])
    return files


STATIC_FILES = _static_files()


def static_url(name: str) -> str:
    body_hash = STATIC_FILES[name][1]
    return f"{STATIC_PREFIX}/{name}?v={body_hash}"


_CODE = re.compile(r"`([^`]+)`")
_BOLD = re.compile(r"\*\*([^*]+)\*\*")


def markdown_lite(text: str | None) -> Markup:
    """The little Markdown the APIs' descriptions use — paragraphs, ``- `` lists, `code` and
    **bold** — as HTML; everything escaped first, so nothing else can get through."""
    if not text:
        return Markup("")
    blocks = re.split(r"\n\s*\n", text.strip())
    out = []
    for block in blocks:
        lines = [ln.strip() for ln in block.strip().splitlines()]
        html_lines = []
        for ln in lines:
            s = str(escape(ln))
            s = _CODE.sub(r"<code>\1</code>", s)
            s = _BOLD.sub(r"<strong>\1</strong>", s)
            html_lines.append(s)
        if all(ln.startswith(("- ", "* ")) for ln in lines):
            items = "".join(f"<li>{h[2:]}</li>" for h in html_lines)
            out.append(f"<ul>{items}</ul>")
        else:
            out.append(f"<p>{' '.join(html_lines)}</p>")
    return Markup("".join(out))


env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"], default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)
env.globals["static"] = static_url
env.globals["services"] = SERVICES
env.filters["md"] = markdown_lite


def page_context(lang: Lang, path: str, page: str) -> dict[str, Any]:
    """What every page's layout needs: texts, the language switch, the time."""
    other: Lang = "en" if lang == "da" else "da"
    now = danish_time(utcnow())
    return {
        "lang": lang,
        "t": TEXT[lang],
        "q": "?lang=en" if lang == "en" else "",
        "other_lang": other,
        "other_url": path + ("?lang=en" if other == "en" else ""),
        "page": page,
        "generated": now.strftime("%d.%m.%Y %H:%M")
        if lang == "da"
        else now.strftime("%d %b %Y %H:%M"),
    }


def html_page(body: str, lang: Lang, *, cache: str = "no-cache") -> HTMLResponse:
    return HTMLResponse(
        body,
        headers={
            "Content-Security-Policy": CSP,
            "Content-Language": lang,
            "Cache-Control": cache,
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "same-origin",
        },
    )


def static_response(name: str) -> Response:
    """A file shipped in ``static/`` (only those; no paths)."""
    found = STATIC_FILES.get(name)
    if found is None:
        raise Problem(404, "not-found", "No such static file.")
    body, _hash = found
    return Response(
        body,
        media_type=CONTENT_TYPES[Path(name).suffix],
        headers={
            "Cache-Control": "public, max-age=31536000, immutable",
            "X-Content-Type-Options": "nosniff",
        },
    )
