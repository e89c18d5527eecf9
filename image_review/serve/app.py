"""The local page's web application (Starlette): the page, its script, and a small JSON API
over a LiveSubmission. Every request must carry the session's token; the Host must be this
machine (no DNS rebinding) and a write must come from this page's origin.
"""

from __future__ import annotations

import html
import io
import json
import secrets
from collections.abc import Awaitable, Callable
from http.cookies import SimpleCookie
from importlib import resources
from urllib.parse import parse_qs, quote

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from image_review.export import ExportError, check_product_id, upload_set, zip_into
from image_review.i18n import _, current_language
from image_review.report import (
    STYLE,
    Look,
    grid_html,
    header_html,
    html_lang,
    rest_html,
    title_text,
)
from image_review.serve.live import LiveSubmission, UploadError
from image_review.sidecar import SidecarError
from image_review.terminal import next_step
from image_review.views import UNASSIGNED

COOKIE = "image_review_token"
HEADER = "x-image-review-token"
_SAFE_METHODS = {"GET", "HEAD"}


class Guard:
    """ASGI middleware: 403 unless the request names this machine as its Host, carries the
    token (query, header or the cookie the page got), and, for a write, comes from this
    origin."""

    def __init__(self, app: Callable, token: str, port_of: Callable[[], int]) -> None:
        self.app, self.token, self.port_of = app, token, port_of

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        port = self.port_of()
        local = {f"127.0.0.1:{port}", f"localhost:{port}"}
        origin = headers.get("origin")
        problem = None
        if headers.get("host") not in local:
            problem = _("this server answers requests for 127.0.0.1 only")
        elif (
            scope["method"] not in _SAFE_METHODS
            and origin is not None
            and origin not in {f"http://{host}" for host in local}
        ):
            problem = _("a change sent from another site")
        elif not self._has_token(scope, headers):
            problem = _("no valid token: open the address the command printed")
        if problem:
            return await JSONResponse({"error": problem}, status_code=403)(scope, receive, send)
        return await self.app(scope, receive, send)

    def _has_token(self, scope: dict, headers: dict[str, str]) -> bool:
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        cookie = SimpleCookie(headers.get("cookie", ""))
        offered = [
            *query.get("token", []),
            headers.get(HEADER, ""),
            cookie[COOKIE].value if COOKIE in cookie else "",
        ]
        return any(secrets.compare_digest(o.encode(), self.token.encode()) for o in offered if o)


def create_app(
    live: LiveSubmission,
    token: str,
    port_of: Callable[[], int],
    screen: str = "auto",
    strict: bool = False,
) -> Callable:
    """The ASGI application serving one submission folder."""

    def state() -> dict:
        review = live.review(screen)
        look = Look(lambda file: _preview_url(file, review), _menu(live))
        has_screen = review.product.get("has_screen")
        return {
            "verdict": review.verdict(strict),
            "title": title_text(review, strict),
            "header": header_html(review, strict, _header_extra(review, strict, has_screen)),
            "grid": grid_html(review, look),
            "rest": rest_html(review, look),
            "photos": {p.file: p.view for p in review.photos},
        }

    def _preview_url(file: str, review) -> str | None:
        if review.previews.get(file) is None:
            return None
        return f"/api/preview?file={quote(file)}&v={hash(review.previews[file]) & 0xFFFFFF:x}"

    async def page(request: Request) -> Response:
        response = HTMLResponse(_page_html())
        response.set_cookie(COOKIE, token, httponly=True, samesite="strict")
        return response

    async def script(request: Request) -> Response:
        text = resources.files("image_review.serve").joinpath("static/page.js").read_text("utf-8")
        return Response(text, media_type="text/javascript; charset=utf-8")

    async def favicon(request: Request) -> Response:
        return Response(FAVICON, media_type="image/svg+xml")

    async def get_state(request: Request) -> Response:
        return _json(await _run(state))

    async def upload(request: Request) -> Response:
        name = request.query_params.get("name", "photo")
        data = await _body(request, live.policy.max_file_bytes, name)
        file = await _run(lambda: live.add(name, data))  # measured now: the state is quick
        return _json({"file": file})

    async def assign(request: Request) -> Response:
        body = await _json_object(request, ("file", "view"))
        file, view = body["file"], body["view"]
        if not isinstance(file, str) or not isinstance(view, str):
            raise UploadError(_("file and view must be text (a photo's name and a view id)"))
        await _run(lambda: live.assign(file, view))
        return _json(await _run(state))

    async def product(request: Request) -> Response:
        value = (await _json_object(request, ("has_screen",)))["has_screen"]
        if not (value is None or isinstance(value, bool)):
            raise UploadError(_("has_screen must be true, false or null"))
        await _run(lambda: live.set_has_screen(value))
        return _json(await _run(state))

    async def download(request: Request) -> Response:
        product_id = request.query_params.get("product_id", "").strip()
        files, name = await _run(lambda: _upload_zip(live, screen, strict, product_id))
        # Header values are Latin-1: the UTF-8 name goes in filename*, and filename is
        # the name itself only when it is plain ASCII.
        plain = name if name.isascii() and not set(name) & set('"\\') else "upload.zip"
        disposition = f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(name)}"
        return Response(
            files, media_type="application/zip", headers={"Content-Disposition": disposition}
        )

    async def preview(request: Request) -> Response:
        data = live.preview(request.query_params.get("file", ""))
        if data is None:
            return Response(status_code=404)
        return Response(data, media_type="image/jpeg", headers={"Cache-Control": "max-age=3600"})

    async def refused(request: Request, err: Exception) -> Response:
        status = err.status if isinstance(err, UploadError) else 400
        return JSONResponse({"error": str(err)}, status_code=status)

    routes = [
        Route("/", page),
        Route("/page.js", script),
        Route("/favicon.ico", favicon),
        Route("/api/state", get_state),
        Route("/api/photos", upload, methods=["POST"]),
        Route("/api/assign", assign, methods=["POST"]),
        Route("/api/product", product, methods=["POST"]),
        Route("/api/preview", preview),
        Route("/api/export.zip", download),
    ]
    app = Starlette(
        routes=routes,
        exception_handlers={
            UploadError: refused,
            SidecarError: refused,
            ExportError: refused,
            ValueError: refused,
        },
    )
    return Guard(app, token, port_of)


def _upload_zip(
    live: LiveSubmission, screen: str, strict: bool, product_id: str
) -> tuple[bytes, str]:
    """The upload-ready set as one zip (the same files as `export --zip`) and its name:
    Amazon's naming and PRODUCT_ID.zip with a product ID, else the views' names. Raises
    UploadError (409) while the set does not pass."""
    review = live.review(screen)
    if review.verdict(strict) == "fail":
        raise UploadError(
            _("the set does not pass yet: {step}").format(step=next_step(review, strict)), 409
        )
    code = check_product_id(product_id) if product_id else None
    files, _written, _left_out = upload_set(
        review, live.folder, "amazon" if code else "views", code, live.policy.max_long_side
    )
    out = io.BytesIO()
    zip_into(out, files)
    return out.getvalue(), f"{code}.zip" if code else f"{review.path}-upload.zip"


MAX_JSON_BYTES = 4096  # a change is a file name and a view: far less


async def _body(request: Request, limit: int, what: str) -> bytes:
    """The request's body, refused (413) as soon as it is over `limit` bytes: a huge body
    is never held in memory."""
    declared = request.headers.get("content-length", "")
    shown = f"{limit / 2**20:.0f} MiB" if limit >= 2**20 else f"{limit / 2**10:.0f} KiB"
    too_big = UploadError(
        _("{name}: the request is over the {limit} limit").format(name=what, limit=shown), 413
    )
    if declared.isdigit() and int(declared) > limit:
        raise too_big
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_big
        chunks.append(chunk)
    return b"".join(chunks)


async def _json_object(request: Request, fields: tuple[str, ...]) -> dict:
    """The body as a JSON object holding `fields`; UploadError (400, 413) otherwise."""
    data = await _body(request, MAX_JSON_BYTES, request.url.path)
    try:
        body = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise UploadError(_("the body must be JSON, in UTF-8")) from None
    if not isinstance(body, dict):
        raise UploadError(
            _("the body must be a JSON object with {fields}").format(fields=", ".join(fields))
        )
    missing = [name for name in fields if name not in body]
    if missing:
        raise UploadError(_("the body has no {fields}").format(fields=", ".join(missing)))
    return body


async def _run(work: Callable[[], object]) -> Awaitable:
    """Blocking work (decoding, writing) in a worker thread, so the server stays responsive."""
    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(work)


def _json(data: object) -> Response:
    return Response(json.dumps(data, ensure_ascii=False), media_type="application/json")


def _menu(live: LiveSubmission) -> tuple[tuple[str, str], ...]:
    lang = current_language()
    views = [(v, live.profile.label(v, lang)) for v in live.profile.all_views]
    return (*views, (UNASSIGNED, _("No view")))


def _header_extra(review, strict: bool, has_screen: bool | None) -> str:
    label = html.escape(_("The product has a screen:"))
    choices = "".join(
        f'<label><input type="radio" name="has-screen" value="{value}"'
        f"{' checked' if has_screen is state else ''}> {html.escape(word)}</label> "
        for value, state, word in (("true", True, _("yes")), ("false", False, _("no")))
    )
    placing = bool(review.unassigned_photos()) and any(
        r.id.startswith("view.") and r.status == "fail" for r in review.requirements
    )
    step = html.escape(
        _("drag each photo with no view onto the slot it shows, or pick its view in its menu")
        if placing
        else next_step(review, strict, review.path, findings_below=True)
    )
    next_word = html.escape(_("Next: "))
    return (
        f'<p class="next"><b>{next_word}</b>{step}</p>'
        f'<span class="has-screen">{label} {choices}</span>'
        + (_download_form() if review.verdict(strict) == "pass" else "")
    )


def _download_form() -> str:
    """The upload-ready set as one zip: HEIC converted, location and camera data removed,
    named the Amazon way when the seller gives the product's ASIN or UPC/EAN."""
    product = html.escape(_("Amazon product ID (ASIN or UPC/EAN), optional"))
    button = html.escape(_("Download the upload-ready set (.zip)"))
    what = html.escape(
        _(
            "JPEG in sRGB, upright, without location or camera data; with a product ID, "
            "named ID.MAIN.jpg, ID.PT01.jpg …"
        )
    )
    return (
        '<form class="download" id="download">'
        f'<label>{product} <input id="product-id" name="product_id" size="16" '
        'autocomplete="off" spellcheck="false"></label> '
        f'<button type="submit">{button}</button><span class="what">{what}</span>'
        '<span class="error" id="download-error" role="alert"></span></form>'
    )


# A photo frame with a tick: the tab's icon (browsers ask for /favicon.ico on their own).
FAVICON = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect x="2" y="6" width="28" '
    'height="20" rx="3" fill="#2d6cdf"/><path d="M9 16l5 5 9-10" fill="none" stroke="#fff" '
    'stroke-width="3.5" stroke-linecap="round" stroke-linejoin="round"/></svg>'
)

PAGE_STYLE = """
.drop{border:2px dashed #8a8a90;border-radius:8px;padding:14px;margin:0 0 16px;text-align:center}
.drop.over{background:#eef5ff;border-color:#2d6cdf}
.drop button{font:inherit;margin:0 4px}
#progress{list-style:none;padding:0;margin:8px 0 0;font-size:13px;text-align:left}
#progress li.error{color:#c0392b}
.photo[draggable=true]{cursor:grab}.slot.target,.row.unassigned.target{outline:3px solid #2d6cdf}
.row.unassigned{min-height:120px;border:2px dashed #d0d0d5;border-radius:8px;padding:8px}
.view-menu{font:inherit;font-size:13px;margin:2px 0 6px;max-width:100%}
.has-screen{display:inline-block;margin-top:6px}
.download{margin-top:10px}.download button{font:inherit;font-weight:600}
.download .what{display:block;font-size:13px;color:#444}
.download .error{display:block;color:#c0392b}
"""


def _page_html() -> str:
    words = {
        "drop": _("Drop photos or a folder here, or"),
        "pick": _("choose photos"),
        "folder": _("choose a folder"),
        "uploading": _("uploading and measuring"),
        "done": _("measured"),
        "failed": _("refused"),
    }
    lang = current_language()
    return f"""<!doctype html>
<html lang="{html_lang(lang)}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>image-review</title><link rel="icon" href="/favicon.ico" type="image/svg+xml">
<style>{STYLE}{PAGE_STYLE}</style></head>
<body><div id="header"></div>
<div class="drop" id="drop">{html.escape(words["drop"])}
<button type="button" id="pick">{html.escape(words["pick"])}</button>
<button type="button" id="pick-folder">{html.escape(words["folder"])}</button>
<input type="file" id="files" multiple hidden accept="image/*,.heic,.heif">
<input type="file" id="folder" webkitdirectory hidden>
<ul id="progress" aria-live="polite"></ul></div>
<main><div id="grid"></div><div id="rest"></div></main>
<script id="words" type="application/json">{_script_json(words)}</script>
<script src="/page.js"></script></body></html>
"""


def _script_json(data: object) -> str:
    """JSON safe inside a <script> element (no `</script>` can end it early)."""
    return json.dumps(data, ensure_ascii=False).replace("<", "\\u003c")
