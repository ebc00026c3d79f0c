"""The Starlette application: security, the JSON API (CONTRACT §6), the pages and the static files.

Security (CONTRACT §6): a request whose Host is not ``127.0.0.1:PORT`` or
``localhost:PORT`` gets 400 (DNS rebinding); every POST, PUT, PATCH and DELETE
needs the header ``X-CSRF-Token`` equal to the page's token (else 403), and a
browser's cross-site request is refused too (``Sec-Fetch-Site``); every
answer carries a Content-Security-Policy that allows no inline script and no
other origin.
"""
from __future__ import annotations

import hmac
import json
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from myotrace.expert.web.consult import ApiError, Consultations
from myotrace.expert.web.store import Store

HERE = Path(__file__).resolve().parent
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
CSP = ("default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
HEADERS = [(b"content-security-policy", CSP.encode()), (b"x-content-type-options", b"nosniff"),
           (b"referrer-policy", b"no-referrer"), (b"x-frame-options", b"DENY"),
           (b"cross-origin-resource-policy", b"same-origin")]


class Guard:
    """ASGI middleware: Host check, CSRF token, security headers."""

    def __init__(self, app, port: int, token: str):
        self.app = app
        self.hosts = {f"127.0.0.1:{port}".encode(), f"localhost:{port}".encode()}
        self.token = token.encode()

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = dict(scope["headers"])
        if headers.get(b"host", b"").lower() not in self.hosts:
            return await _refuse(400, "bad Host header: open the address myotrace serve printed "
                                      "(127.0.0.1:PORT or localhost:PORT)", scope, receive, send)
        if scope["method"] in UNSAFE:
            if headers.get(b"sec-fetch-site", b"same-origin") not in (b"same-origin", b"none"):
                return await _refuse(403, "cross-site request refused", scope, receive, send)
            if not hmac.compare_digest(headers.get(b"x-csrf-token", b""), self.token):
                return await _refuse(403, "missing or wrong X-CSRF-Token header: reload the page",
                                     scope, receive, send)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                message["headers"] = list(message.get("headers", [])) + HEADERS
                if scope["path"].startswith("/api/"):
                    message["headers"].append((b"cache-control", b"no-store"))
            await send(message)

        await self.app(scope, receive, send_with_headers)


async def _refuse(status, message, scope, receive, send):
    response = JSONResponse({"error": message}, status_code=status, headers={"content-security-policy": CSP})
    await response(scope, receive, send)


def error_response(error: ApiError) -> JSONResponse:
    return JSONResponse({"error": error.message}, status_code=error.status)


async def json_body(request: Request, empty=None):
    raw = await request.body()
    if not raw.strip():
        return empty
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise ApiError(422, "the body is not JSON") from None


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


def create_app(db_path: Path, port: int):
    """The whole app for one database, answering only on 127.0.0.1:PORT / localhost:PORT."""
    from myotrace.expert.web.pages import page_routes
    from myotrace.expert.web.teach import teach_routes

    store = Store(db_path)
    service = Consultations(store)
    token = store.csrf_token()

    async def api_error(request, error: ApiError):
        return error_response(error)

    async def not_found(request, error):
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": f"no such resource: {request.url.path}"}, status_code=404)
        return PlainTextResponse("Not found.", status_code=404)

    async def method_not_allowed(request, error):
        return JSONResponse({"error": f"{request.method} is not allowed on {request.url.path}"}, status_code=405)

    async def favicon(request):
        return Response(status_code=204)

    routes = ([Route("/favicon.ico", favicon)] + api_routes(service) + page_routes(service, token) + teach_routes(token)
              + [Mount("/static", StaticFiles(directory=HERE / "static"), name="static")])
    app = Starlette(routes=routes, exception_handlers={ApiError: api_error, 404: not_found,
                                                       405: method_not_allowed})
    app.state.service = service
    app.state.token = token
    return Guard(app, port, token)
