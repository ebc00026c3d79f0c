"""The app in-process through Starlette's TestClient, holding the access token as a script does
(``Authorization: Bearer …``) and the page's CSRF token: shared by the web tests."""
from __future__ import annotations


from starlette.testclient import TestClient

from myotrace.expert.web.app import create_app

PORT = 8765
BASE = f"http://127.0.0.1:{PORT}"
ACCESS = "test-access-token"
BEARER = {"Authorization": f"Bearer {ACCESS}"}


def bare_client(db, token: str = ACCESS, **options) -> TestClient:
    """A client of a new app on ``db`` that holds nothing: no access token, no CSRF token."""
    return TestClient(create_app(db, PORT, token), base_url=BASE,
                      **options)


def csrf_of(html: str) -> str:
    return html.split('name="csrf-token" content="')[1].split('"')[0]


def client_for(db, **options) -> tuple[TestClient, str]:
    """A client with the access token and the page's CSRF token; returns (client, CSRF token)."""
    client = bare_client(db, **options)
    client.headers.update(BEARER)
    token = csrf_of(client.get("/").text)
    client.headers["X-CSRF-Token"] = token
    return client, token
