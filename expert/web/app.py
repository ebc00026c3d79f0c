"""The Starlette application: security, the JSON API, the pages and the static files.

Security: a request whose Host is not ``127.0.0.1:PORT`` or ``localhost:PORT``
gets 400 (DNS rebinding). Every request except ``/static/…`` needs the server's
access token (any local user can reach a loopback port): a browser brings it
once as ``?token=…`` and gets an ``HttpOnly``, ``SameSite=Strict`` cookie and a
redirect to the same page without it; scripts send ``Authorization: Bearer …``;
without it, 401. Every POST, PUT, PATCH and DELETE also needs the header
``X-CSRF-Token`` equal to the page's token (else 403), and a browser's
cross-site request is refused too (``Sec-Fetch-Site``). Every answer carries a
Content-Security-Policy that allows no inline script and no other origin.

Hostile input: a body over 1 MiB is refused with 413 before it is read; JSON
nested deeper than 32 levels or holding text that is not valid Unicode gets
422; a path with a NUL byte is 404. A failing database answers 503 with one
JSON line (the API) or a page saying what to do.

Engine work never runs on the event loop: every route's handler runs in a
worker thread, in the order the requests came, once its (bounded) body has
been read, so static files keep flowing while a heavy page renders.
"""
from __future__ import annotations

import asyncio
import hmac
import json
import secrets
from concurrent.futures import ThreadPoolExecutor
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

from markupsafe import escape
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from myotrace.expert.web.consult import ApiError, Consultations
from myotrace.expert.web.store import Store, Unavailable

HERE = Path(__file__).resolve().parent
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
MAX_BODY = 1 << 20  # bytes
MAX_DEPTH = 32  # nested JSON arrays and objects
TOKEN_ENV = "MYOTRACE_TOKEN"
CSP = ("default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
HEADERS = [(b"content-security-policy", CSP.encode()), (b"x-content-type-options", b"nosniff"),
           (b"referrer-policy", b"no-referrer"), (b"x-frame-options", b"DENY"),
           (b"cross-origin-resource-policy", b"same-origin")]


class BodyTooLarge(Exception):
    """The request body grew past MAX_BODY while it was being read."""


def access_token(environ=None) -> str:
    """MYOTRACE_TOKEN when set (and not empty), else a new random token for this start."""
    import os
    value = (environ if environ is not None else os.environ).get(TOKEN_ENV, "")
    return value if value.strip() else secrets.token_urlsafe(32)


def plain_page(title: str, text: str, status: int) -> HTMLResponse:
    """A page without templates or scripts (for refusals and failures), styled like the app."""
    html = (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)} · myotrace</title>'
            f'<link rel="stylesheet" href="/static/app.css"></head><body><main id="main">'
            f'<h1>{escape(title)}</h1><p class="error" role="alert">{escape(text)}</p></main></body></html>')
    return HTMLResponse(html, status_code=status)


def refusal(scope, status: int, message: str, title: str) -> Response:
    """JSON ``{"error": …}`` under /api/, a plain page elsewhere."""
    if scope["path"].startswith("/api/"):
        return JSONResponse({"error": message}, status_code=status)
    return plain_page(title, message, status)


class Guard:
    """ASGI middleware: Host check, access token, CSRF token, body limit, security headers."""

    def __init__(self, app, port: int, csrf: str, token: str):
        self.app = app
        self.port = port
        self.hosts = {f"127.0.0.1:{port}".encode(), f"localhost:{port}".encode()}
        self.csrf = csrf.encode()
        self.token = token
        self.cookie = f"myotrace-token-{port}"  # cookies are per host, not per port: one name per server

    def _authorised(self, headers: dict) -> bool:
        given = headers.get(b"authorization", b"").decode("latin-1")
        if given[:7].lower() == "bearer " and hmac.compare_digest(given[7:].strip().encode(), self.token.encode()):
            return True
        cookie = SimpleCookie()
        try:
            cookie.load(headers.get(b"cookie", b"").decode("latin-1"))
        except Exception:  # a malformed Cookie header is simply no cookie
            return False
        held = cookie.get(self.cookie)
        return held is not None and hmac.compare_digest(held.value.encode(), self.token.encode())

    def _login(self, scope) -> Response | None:
        """``?token=…`` right: the cookie and a redirect to the same page without it; wrong: None."""
        query = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        given = [value for name, value in query if name == "token"]
        if not given or not hmac.compare_digest(given[-1].encode(), self.token.encode()):
            return None
        rest = urlencode([(name, value) for name, value in query if name != "token"])
        response = RedirectResponse(scope["path"] + (f"?{rest}" if rest else ""), status_code=303)
        response.set_cookie(self.cookie, self.token, httponly=True, samesite="strict", path="/")
        return response

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = dict(scope["headers"])
        path = scope["path"]

        async def answer(response: Response):
            await self._send_secured(response, scope, receive, send)

        if headers.get(b"host", b"").lower() not in self.hosts:
            return await answer(JSONResponse({"error": "bad Host header: open the address myotrace serve printed "
                                                       "(127.0.0.1:PORT or localhost:PORT)"}, status_code=400))
        if "\x00" in path:
            return await answer(refusal(scope, 404, f"no such resource: {path!r}", "Not found"))
        if not path.startswith("/static/") and not self._authorised(headers):
            login = self._login(scope) if scope["method"] in ("GET", "HEAD") else None
            if login is not None:
                return await answer(login)
            return await answer(self._unauthorised(scope))
        if scope["method"] in UNSAFE:
            if headers.get(b"sec-fetch-site", b"same-origin") not in (b"same-origin", b"none"):
                return await answer(JSONResponse({"error": "cross-site request refused"}, status_code=403))
            if not hmac.compare_digest(headers.get(b"x-csrf-token", b""), self.csrf):
                return await answer(JSONResponse({"error": "missing or wrong X-CSRF-Token header: reload the page"},
                                                 status_code=403))
        length = headers.get(b"content-length", b"0")
        if not length.isdigit() or int(length[:12]) > MAX_BODY:
            return await answer(refusal(scope, 413, f"the request body is over {MAX_BODY // (1 << 20)} MiB",
                                        "Too large"))

        received = 0

        async def bounded_receive():
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > MAX_BODY:  # a chunked body that says no length
                raise BodyTooLarge
            return message

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                message["headers"] = list(message.get("headers", [])) + HEADERS
                if not path.startswith("/static/"):  # pages and answers may hold patient data
                    message["headers"].append((b"cache-control", b"no-store"))
            await send(message)

        await self.app(scope, bounded_receive, send_with_headers)

    def _unauthorised(self, scope) -> Response:
        where = (f"open the address that `myotrace serve` printed where it was started "
                 f"(http://127.0.0.1:{self.port}/?token=…), or send the header Authorization: Bearer TOKEN")
        response = refusal(scope, 401, f"this myotrace server needs its access token: {where}",
                           "Access token needed")
        response.headers["www-authenticate"] = "Bearer"
        return response

    @staticmethod
    async def _send_secured(response, scope, receive, send):
        for name, value in HEADERS:
            response.headers[name.decode()] = value.decode()
        response.headers["cache-control"] = "no-store"
        await response(scope, receive, send)


def error_response(error: ApiError) -> JSONResponse:
    return JSONResponse({"error": error.message}, status_code=error.status)


def check_json(value) -> None:
    """422 for nesting deeper than MAX_DEPTH or text that is not valid Unicode (a lone surrogate)."""
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list)):
            depth += 1
            if depth > MAX_DEPTH:
                raise ApiError(422, f"the JSON is nested deeper than {MAX_DEPTH} levels")
            if isinstance(item, dict):
                stack.extend((key, depth) for key in item)
                stack.extend((child, depth) for child in item.values())
            else:
                stack.extend((child, depth) for child in item)
        elif isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                raise ApiError(422, "the JSON holds text that is not valid Unicode (a lone surrogate "
                                    f"such as {ascii(item[:20])})") from None


async def json_body(request: Request, empty=None):
    raw = await request.body()
    if not raw.strip():
        return empty
    try:
        value = json.loads(raw)
    except RecursionError:
        raise ApiError(422, f"the JSON is nested deeper than {MAX_DEPTH} levels") from None
    except (ValueError, UnicodeDecodeError):
        raise ApiError(422, "the body is not JSON") from None
    check_json(value)
    return value


# ---- handlers run in worker threads ------------------------------------------------------
def _drive(endpoint, request):
    """Run an async handler to its end in this (worker) thread. Its body is already read, so it
    never waits for I/O; one that tried would be a bug, reported as such."""
    coroutine = endpoint(request)
    try:
        coroutine.send(None)
    except StopIteration as done:
        return done.value
    coroutine.close()
    raise RuntimeError(f"{endpoint.__name__} waited for I/O in a worker thread")


# One worker: the engine is one per process (consult.WORK) anyway, and a queue serves requests in
# the order they came, where threads waiting on a lock are woken in any order (a flat-out client
# could wait for seconds).
WORKER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="myotrace-work")


def off_loop(endpoint):
    """The handler, run in the worker thread after its body has been read on the event loop."""
    async def threaded(request: Request):
        await request.body()
        return await asyncio.get_running_loop().run_in_executor(WORKER, _drive, endpoint, request)
    threaded.__name__ = endpoint.__name__
    return threaded


def threaded(routes) -> list:
    return [Route(route.path, off_loop(route.endpoint), methods=route.methods, name=route.name)
            if isinstance(route, Route) else route for route in routes]


# ---- the JSON API -----------------------------------------------------------------------
def api_routes(service: Consultations) -> list[Route]:
    async def consultations(request: Request):
        if request.method == "GET":
            return JSONResponse(service.list())
        return JSONResponse(service.create(await json_body(request)), status_code=201)

    async def consultation(request: Request):
        consultation_id = request.path_params["id"]
        if request.method == "DELETE":
            service.delete(consultation_id)
            return Response(status_code=204)
        return JSONResponse(service.show(consultation_id))

    async def answers(request: Request):
        return JSONResponse(service.answer(request.path_params["id"], await json_body(request)))

    async def change(request: Request):
        return JSONResponse(service.edit(request.path_params["id"], await json_body(request)))

    async def back(request: Request):
        return JSONResponse(service.back(request.path_params["id"]))

    async def side(request: Request):
        return JSONResponse(service.set_side(request.path_params["id"], await json_body(request, {})))

    async def report(request: Request):
        from myotrace.expert.web.consult import WORK
        with WORK:
            _record, interview = service.open(request.path_params["id"])
            return Response(interview.report.to_json(), media_type="application/json")

    prefix = "/api/consultations"
    return [
        Route(prefix, consultations, methods=["GET", "POST"]),
        Route(prefix + "/{id}", consultation, methods=["GET", "DELETE"]),
        Route(prefix + "/{id}/answers", answers, methods=["POST"]),
        Route(prefix + "/{id}/change", change, methods=["POST"]),
        Route(prefix + "/{id}/back", back, methods=["POST"]),
        Route(prefix + "/{id}/side", side, methods=["POST"]),
        Route(prefix + "/{id}/report", report, methods=["GET"]),
    ]


def create_app(db: Path | Store, port: int, token: str | None = None):
    """The whole app for one database, answering only on 127.0.0.1:PORT / localhost:PORT to holders
    of ``token`` (default: ``access_token()``); ``.token`` and ``.store`` are on the returned app."""
    from myotrace.expert.web.pages import page_routes
    from myotrace.expert.web.teach import teach_routes

    store = db if isinstance(db, Store) else Store(db)
    service = Consultations(store)
    csrf = store.csrf_token()

    async def api_error(request, error: ApiError):
        return error_response(error)

    async def not_found(request, error):
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": f"no such resource: {request.url.path}"}, status_code=404)
        return PlainTextResponse("Not found.", status_code=404)

    async def method_not_allowed(request, error):
        return JSONResponse({"error": f"{request.method} is not allowed on {request.url.path}"}, status_code=405)

    async def too_large(request, error):
        return refusal(request.scope, 413, f"the request body is over {MAX_BODY // (1 << 20)} MiB", "Too large")

    async def database_down(request, error: Unavailable):
        return refusal(request.scope, 503, error.message, "The database is not available")

    async def internal(request, error):
        return refusal(request.scope, 500, f"internal error ({type(error).__name__}); the server log has more",
                       "Something went wrong")

    async def favicon(request):
        return Response(status_code=204)

    routes = threaded([Route("/favicon.ico", favicon)] + api_routes(service) + page_routes(service, csrf)
                      + teach_routes(csrf))
    routes.append(Mount("/static", StaticFiles(directory=HERE / "static"), name="static"))
    app = Starlette(routes=routes, exception_handlers={
        ApiError: api_error, 404: not_found, 405: method_not_allowed, BodyTooLarge: too_large,
        Unavailable: database_down, Exception: internal})
    app.state.service = service
    app.state.token = csrf
    guard = Guard(app, port, csrf, token or access_token())
    guard.store = store
    return guard
