"""Gateway: the entry page (the dashboard replaces it)."""

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

SERVICE_NAMES = ("registry", "funding", "referrals", "evaluation", "gateway")

router = APIRouter(tags=["gateway"])


@router.get("/", response_class=HTMLResponse, summary="Entry page with links to every service")
async def index() -> str:
    rows = "\n".join(
        f"<tr><td>{name}</td><td><a href='/{name}/docs'>API docs</a></td>"
        f"<td><a href='/{name}/readyz'>readyz</a></td>"
        f"<td><a href='/{name}/asyncapi.json'>events</a></td>"
        f"<td><a href='/{name}/metrics'>metrics</a></td></tr>"
        for name in SERVICE_NAMES
    )
    return f"""<!doctype html>
<html lang="da"><head><meta charset="utf-8"><title>Klyngeforum</title>
<style>body{{font-family:system-ui,sans-serif;max-width:52rem;margin:2rem auto;color:#1b2a3a}}
table{{border-collapse:collapse}}td{{padding:.3rem .9rem;border-bottom:1px solid #dde}}</style>
</head><body>
<h1>Klyngeforum</h1>
<p>Fælles overblik over klynge- og netværksindsatsen — a shared picture of Danish cluster
and network policy. The dashboard grows here; the services are:</p>
<table>{rows}</table>
<p><a href="/registry/v1/organisations">Organisations</a> ·
Tokens: <code>POST /registry/v1/oauth/token</code> (client credentials)</p>
</body></html>"""
