"""`myotrace serve` on a shared computer, under load and when the disk fails: the --db check, the
access token, body and JSON limits, 4xx instead of 500, 503 for a failing database, the WAL
checkpoint and `db backup`, slow sockets, handlers off the event loop, and every unsafe route's
refusals. Hostile bodies are also generated (hypothesis) against every route that reads one."""
from __future__ import annotations

import http.client
import json
import os
import socket
import sqlite3
import stat
import threading
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

pytest.importorskip("starlette")
import uvicorn  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from starlette.routing import Route  # noqa: E402
from typer.testing import CliRunner  # noqa: E402

from myotrace.cli import app as cli  # noqa: E402
from myotrace.expert.web import consult  # noqa: E402
from myotrace.expert.web.app import MAX_BODY, MAX_DEPTH, access_token, create_app  # noqa: E402
from myotrace.expert.web.serve import HOST, bind, config  # noqa: E402
from myotrace.expert.web.store import Store  # noqa: E402
from myotrace.facts.vocabulary import RED_FLAGS, REGIONS  # noqa: E402
from webclient import ACCESS, BEARER, PORT, bare_client, client_for  # noqa: E402
from webserver import Server  # noqa: E402

API = "/api/consultations"
runner = CliRunner()


def _practice_code(name: str) -> str:
    """The opaque code by which the practice page names a library case (the address never names it)."""
    from myotrace.expert.web.teach import practice_codes
    return next(code for code, case in practice_codes().items() if case == name)


CLASSIC_CODE = _practice_code("gmin-lateral-classic")


@pytest.fixture(autouse=True)
def never_serve(monkeypatch):
    """A `serve` that got past its checks fails the test instead of serving for ever."""
    import myotrace.expert.web.serve as module

    def started(self, sockets=None):
        raise AssertionError("serve started")
    monkeypatch.setattr(module.Server, "run", started)


def serve(*args):
    """`myotrace serve …` in-process: every refusal here happens before a port is bound."""
    return runner.invoke(cli, ["serve", "--port", "0", *args])


def one_line_exit_2(result) -> str:
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in result.output, result.output
    return lines[0]


@pytest.fixture
def client(tmp_path):
    return client_for(tmp_path / "c.db")[0]


def new(client) -> dict:
    response = client.post(API, json={})
    assert response.status_code == 201, response.text
    return response.json()


# ---- 1. --db is opened only if it is new or a database of this app --------------------------------
def _sqlite_of_another_program(path: Path) -> None:
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE photos (id INTEGER)")
    db.commit()
    db.close()


@pytest.mark.parametrize("kind, needle", [
    ("symlink", "symbolic link"), ("text", "not a SQLite database"), ("directory", "a directory"),
    ("garbage", "not a SQLite database"), ("other app", "another program"), ("truncated", "damaged"),
])
def test_a_db_that_is_not_ours_is_refused_in_one_line_and_left_untouched(tmp_path, kind, needle):
    text = tmp_path / "t.txt"
    text.write_text("line1\n")
    os.chmod(text, 0o644)
    path = tmp_path / "x.db"
    if kind == "symlink":
        path.symlink_to(text)
    elif kind == "text":
        path = text
    elif kind == "directory":
        path.mkdir()
    elif kind == "garbage":
        path.write_bytes(os.urandom(4096))
    elif kind == "other app":
        _sqlite_of_another_program(path)
    else:  # a database of this app cut in half
        store = Store(tmp_path / "full.db")
        for index in range(200):
            store.create(consult.Session(case=f"c{index}"), None)
        store.close()
        whole = (tmp_path / "full.db").read_bytes()
        path.write_bytes(whole[: len(whole) // 2])
    target = path.resolve() if path.is_symlink() else path
    before = os.stat(target)
    content = target.read_bytes() if target.is_file() else None
    line = one_line_exit_2(serve("--db", str(path)))
    assert needle in line and str(path.name) in line
    after = os.stat(target)
    assert stat.S_IMODE(after.st_mode) == stat.S_IMODE(before.st_mode)  # no chmod
    assert (target.read_bytes() if target.is_file() else None) == content
    assert not Path(str(target) + "-wal").exists()


def test_a_device_is_refused_and_keeps_its_mode():
    before = os.stat("/dev/null").st_mode
    line = one_line_exit_2(serve("--db", "/dev/null"))
    assert "a device" in line
    assert os.stat("/dev/null").st_mode == before


def test_a_damaged_database_is_found_at_start(tmp_path):
    path = tmp_path / "c.db"
    store = Store(path)
    for index in range(300):
        store.create(consult.Session(case=f"case {index}" * 20), None)
    store.close()
    data = bytearray(path.read_bytes())
    for page in (1, 2, 3):  # scribble over the headers of three b-tree pages
        data[page * 4096: page * 4096 + 8] = b"\xff" * 8
    path.write_bytes(bytes(data))
    line = one_line_exit_2(serve("--db", str(path)))
    assert "damaged" in line and "backup" in line


def test_a_read_only_disk_is_named_as_such_not_the_port(tmp_path, monkeypatch):
    real_open = os.open

    def read_only(path, flags, *args, **kwargs):
        if str(path).endswith("c.db") and flags & (os.O_RDWR | os.O_WRONLY):
            raise OSError(30, "Read-only file system", str(path))
        return real_open(path, flags, *args, **kwargs)
    monkeypatch.setattr(os, "open", read_only)
    line = one_line_exit_2(serve("--db", str(tmp_path / "c.db")))
    assert "read-only" in line and "--port" not in line


def test_a_new_path_and_our_own_database_open(tmp_path):
    path = tmp_path / "new" / "c.db"
    Store(path).close()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert sqlite3.connect(path).execute("PRAGMA application_id").fetchone()[0] != 0
    Store(path).close()  # and again, now that it exists


# ---- 2. the access token ---------------------------------------------------------------------------------
def test_without_the_access_token_everything_but_static_is_401(tmp_path):
    client = bare_client(tmp_path / "c.db")
    api = client.get(API)
    assert api.status_code == 401 and "token" in api.json()["error"]
    assert api.headers["www-authenticate"] == "Bearer"
    page = client.get("/c/anything")
    assert page.status_code == 401 and "text/html" in page.headers["content-type"]
    assert "myotrace serve" in page.text and "?token=" in page.text
    assert client.get("/static/app.css").status_code == 200
    assert client.get("/", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert client.get("/?token=wrong", follow_redirects=False).status_code == 401
    assert client.get("/", headers=BEARER).status_code == 200


def test_the_token_link_sets_a_strict_http_only_cookie_and_drops_the_token(tmp_path):
    client = bare_client(tmp_path / "c.db")
    visit = client.get(f"/teach?x=1&token={ACCESS}", follow_redirects=False)
    assert visit.status_code == 303 and visit.headers["location"] == "/teach?x=1"
    cookie = visit.headers["set-cookie"]
    assert f"myotrace-token-{PORT}={ACCESS}" in cookie
    assert "HttpOnly" in cookie and "samesite=strict" in cookie.lower()
    assert client.get("/teach").status_code == 200  # the cookie alone now opens every page
    assert client.get(API).status_code == 200


def test_the_token_is_random_per_start_or_from_the_environment():
    assert access_token({}) != access_token({}) and len(access_token({})) >= 40
    assert access_token({"MYOTRACE_TOKEN": "chosen"}) == "chosen"
    assert access_token({"MYOTRACE_TOKEN": " "}) != " "  # an empty token never disables the check


# ---- 3. bodies and lists ------------------------------------------------------------------------------------
def test_a_body_over_one_mebibyte_is_413_before_it_is_read(client):
    created = new(client)
    response = client.post(f"{API}/{created['id']}/answers", content=b"x" * (MAX_BODY + 1),
                           headers={"content-type": "application/json"})
    assert response.status_code == 413 and "1 MiB" in response.json()["error"]

    def chunks():  # no Content-Length: counted while it is read
        for _ in range(MAX_BODY // 65536 + 2):
            yield b" " * 65536
    chunked = client.post(API, content=chunks(), headers={"content-type": "application/json"})
    assert chunked.status_code == 413


def test_a_pain_map_longer_than_the_vocabulary_is_422_and_not_stored(client):
    created = new(client)
    cid = created["id"]
    client.post(f"{API}/{cid}/answers", json={"item": "red_flags", "value": dict.fromkeys(created["next"]["choices"],
                                                                                          False)})
    huge = {"item": "pain_map", "value": ["buttock"] * (len(REGIONS) + 1)}
    response = client.post(f"{API}/{cid}/answers", json=huge)
    assert response.status_code == 422 and "regions" in response.json()["error"]
    assert [a["item"] for a in client.get(f"{API}/{cid}").json()["answers"]] == ["red_flags"]


# ---- 4. 4xx, never 500 -----------------------------------------------------------------------------------------
def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 100_000])
def test_json_nested_too_deep_is_422(client, depth):
    response = client.post(API, content=nested(depth).encode(), headers={"content-type": "application/json"})
    assert response.status_code == 422 and "nested deeper" in response.json()["error"]


def test_json_nested_to_the_limit_is_read(client):
    response = client.post(API, content=nested(MAX_DEPTH).encode(), headers={"content-type": "application/json"})
    assert response.status_code == 422 and "nested" not in response.json()["error"]  # read, then refused as a body


def test_text_that_is_not_unicode_is_422(client):
    response = client.post(API, content=b'{"case": "\\ud800"}', headers={"content-type": "application/json"})
    assert response.status_code == 422 and "Unicode" in response.json()["error"]


def test_a_nul_in_the_path_is_404(client):
    assert client.get("/static/app.css%00.js").status_code == 404
    assert client.get("/api/consultations/x%00y").status_code == 404


def test_a_4301_digit_practice_answer_is_422(client):
    response = client.get("/teach/practice", params={"case": CLASSIC_CODE, "triage": "9" * 4301})
    assert response.status_code == 422 and "Exceeds" not in response.text


# ---- 5. a failing database ---------------------------------------------------------------------------------------
@contextmanager
def failing(monkeypatch, pragma: str):
    """Every connection the store opens from now on fails the way ``pragma`` makes SQLite fail."""
    real = sqlite3.connect

    def connect(*args, **kwargs):
        db = real(*args, **kwargs)
        if pragma == "full":
            pages = db.execute("PRAGMA page_count").fetchone()[0]
            db.execute(f"PRAGMA max_page_count={pages}")
        else:
            db.execute(pragma)
        return db
    monkeypatch.setattr(sqlite3, "connect", connect)
    yield
    monkeypatch.setattr(sqlite3, "connect", real)


@pytest.mark.parametrize("pragma, needle", [("full", "full"), ("PRAGMA query_only=1", "read-only")])
def test_a_failing_disk_is_503_with_one_json_line_and_a_page(client, monkeypatch, pragma, needle):
    created = new(client)
    with failing(monkeypatch, pragma):
        response = client.post(API, json={"case": "x" * 200})
        for _ in range(40):  # a full disk fails once the free pages of the file are used
            if response.status_code != 201:
                break
            response = client.post(API, json={"case": "x" * 200})
        assert response.status_code == 503
        assert list(response.json()) == ["error"] and needle in response.json()["error"]
        page = client.post("/c/new", data={"case": "y" * 200})
        for _ in range(40):
            if page.status_code != 201:
                break
            page = client.post("/c/new", data={"case": "y" * 200})
        assert page.status_code == 503 and "text/html" in page.headers["content-type"] and needle in page.text
    assert client.get(f"{API}/{created['id']}").status_code == 200  # the disk is back: so is the app


def test_a_database_damaged_while_serving_is_503(tmp_path):
    path = tmp_path / "c.db"
    client = client_for(path)[0]
    for index in range(100):
        client.post(API, json={"case": f"case {index} " * 15})
    sqlite3.connect(path).execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    data = bytearray(path.read_bytes())
    for page in (1, 2, 3, 4):  # scribble over the headers of b-tree pages, as a failing disk might
        data[page * 4096: page * 4096 + 8] = b"\xff" * 8
    with open(path, "r+b") as file:  # in place: the server's open files keep pointing at it
        file.write(bytes(data))
    consult_list = client.get(API)
    assert consult_list.status_code == 503 and "damaged" in consult_list.json()["error"]


def test_acknowledged_answers_survive_a_full_disk(client, monkeypatch):
    acknowledged = []
    with failing(monkeypatch, "full"):
        for index in range(60):
            response = client.post(API, json={"case": f"c{index}" + "x" * 150})
            assert response.status_code in (201, 503)
            if response.status_code == 201:
                acknowledged.append(response.json()["id"])
    listed = {row["id"] for row in client.get(API).json()}
    assert acknowledged and set(acknowledged) <= listed and len(listed) == len(acknowledged)


# ---- 6. the WAL and backups ----------------------------------------------------------------------------------
def test_closing_checkpoints_the_wal_so_the_file_alone_holds_everything(tmp_path):
    path = tmp_path / "c.db"
    store = Store(path)
    for index in range(50):
        store.create(consult.Session(case=f"c{index}"), None)
    store.close()
    copy = tmp_path / "copy.db"
    copy.write_bytes(path.read_bytes())  # the .db alone, as a careless backup would take it
    assert sqlite3.connect(copy).execute("SELECT count(*) FROM consultations").fetchone()[0] == 50


def test_sigterm_checkpoints_the_wal(tmp_path):
    path = tmp_path / "c.db"
    server = Server(path).start()
    try:
        csrf = urllib.request.urlopen(server.request("/")).read().decode().split('csrf-token" content="')[1][:43]
        for index in range(20):
            urllib.request.urlopen(server.request(API, "POST", json.dumps({"case": f"c{index}"}).encode(),
                                                  {"X-CSRF-Token": csrf, "Content-Type": "application/json"}))
        assert Path(str(path) + "-wal").stat().st_size > 0
    finally:
        server.stop()  # SIGTERM
    assert server.process.returncode is not None
    wal = Path(str(path) + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0
    copy = tmp_path / "copy.db"
    copy.write_bytes(path.read_bytes())
    assert sqlite3.connect(copy).execute("SELECT count(*) FROM consultations").fetchone()[0] == 20


def test_db_backup_copies_a_live_database(tmp_path):
    path = tmp_path / "c.db"
    client = client_for(path)[0]  # the server holds the database open
    for index in range(5):
        client.post(API, json={"case": f"c{index}"})
    result = runner.invoke(cli, ["db", "backup", str(tmp_path / "b.db"), "--db", str(path)])
    assert result.exit_code == 0, result.output
    copy = sqlite3.connect(tmp_path / "b.db")
    assert copy.execute("SELECT count(*) FROM consultations").fetchone()[0] == 5
    assert stat.S_IMODE(os.stat(tmp_path / "b.db").st_mode) == 0o600


@pytest.mark.parametrize("target, needle", [("exists", "already exists"), ("no folder", "no such folder"),
                                            ("directory", "already exists")])
def test_db_backup_to_a_bad_file_is_one_line_exit_2(tmp_path, target, needle):
    path = tmp_path / "c.db"
    Store(path).close()
    file = {"exists": tmp_path / "c.db", "no folder": tmp_path / "none" / "b.db", "directory": tmp_path}[target]
    before = path.read_bytes()
    line = one_line_exit_2(runner.invoke(cli, ["db", "backup", str(file), "--db", str(path)]))
    assert needle in line
    assert path.read_bytes() == before


def test_db_backup_of_no_database_is_exit_2(tmp_path):
    line = one_line_exit_2(runner.invoke(cli, ["db", "backup", str(tmp_path / "b.db"), "--db",
                                               str(tmp_path / "missing.db")]))
    assert "no database" in line and not (tmp_path / "b.db").exists()


def test_db_backup_uses_the_same_default_database_as_serve(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    Store(tmp_path / "xdg" / "myotrace" / "consultations.db").close()
    result = runner.invoke(cli, ["db", "backup", str(tmp_path / "b.db")])
    assert result.exit_code == 0 and "consultations.db" in result.output


# ---- a live server in this process: slow sockets, the event loop --------------------------------------------
@contextmanager
def live(db, **limits):
    listener = bind(0)
    port = listener.getsockname()[1]
    app = create_app(db, port, ACCESS)
    server = uvicorn.Server(config(app, **limits))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.01)
    try:
        yield port, app
    finally:
        server.should_exit = True
        thread.join(10)
        app.store.close()


def closed_within(sock: socket.socket, seconds: float) -> bool:
    """True if the server closes ``sock`` (recv gives b"") within ``seconds``."""
    sock.settimeout(seconds)
    try:
        while True:
            data = sock.recv(4096)
            if not data:
                return True
    except (socket.timeout, TimeoutError):
        return False
    except ConnectionResetError:
        return True


def test_slow_and_idle_sockets_are_timed_out_and_connections_capped(tmp_path):
    with live(tmp_path / "c.db", request_timeout=0.5, keep_alive=0.5, max_connections=4) as (port, _app):
        slow = socket.create_connection((HOST, port))
        slow.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # the head never ends
        silent = socket.create_connection((HOST, port))  # sends nothing at all
        assert closed_within(slow, 3) and closed_within(silent, 3)
        held = [socket.create_connection((HOST, port)) for _ in range(4)]
        time.sleep(0.1)
        extra = socket.create_connection((HOST, port))
        assert closed_within(extra, 0.4)  # over the cap: closed at once, long before the deadline
        for sock in held:
            sock.close()
        time.sleep(0.2)
        kept = http.client.HTTPConnection(HOST, port, timeout=5)
        kept.request("GET", "/static/app.css")
        assert kept.getresponse().read() and kept.sock is not None
        assert closed_within(kept.sock, 3)  # the idle keep-alive connection is closed


def test_static_files_stay_fast_while_engine_work_holds_the_engine(tmp_path):
    with live(tmp_path / "c.db") as (port, _app):
        base = f"http://127.0.0.1:{port}"
        consult.WORK.acquire()  # as a heavy page would hold it
        try:
            waiting = threading.Thread(target=_quietly, args=(base + f"/teach/practice?case={CLASSIC_CODE}",),
                                       daemon=True)
            waiting.start()
            time.sleep(0.3)
            began = time.perf_counter()
            with urllib.request.urlopen(base + "/static/app.css", timeout=5) as answer:
                assert answer.status == 200
            assert time.perf_counter() - began < 2
            assert waiting.is_alive()  # the page is still waiting for the engine
        finally:
            consult.WORK.release()
        waiting.join(30)


def _quietly(url):
    try:
        urllib.request.urlopen(urllib.request.Request(url, headers=BEARER), timeout=30).close()
    except urllib.error.URLError:
        pass


# ---- issue 22: the route table -----------------------------------------------------------------------------
def unsafe_routes(app) -> list[tuple[str, str]]:
    found = []
    for route in app.app.routes:
        if isinstance(route, Route):
            for method in sorted((route.methods or set()) & {"POST", "PUT", "PATCH", "DELETE"}):
                found.append((method, route.path.replace("{id}", "x").replace("{item}", "red_flags")))
    return found


def test_every_unsafe_route_refuses_without_csrf_from_another_site_and_without_the_access_token(tmp_path):
    client, csrf = client_for(tmp_path / "c.db")
    routes = unsafe_routes(client.app)
    paths = {path for _method, path in routes}
    assert {"/c/new", "/c/x/change", "/c/x/back", "/c/x/answer", f"{API}/x/side", f"{API}/x/back",
            f"{API}/x/change", f"{API}/x/answers", API, f"{API}/x"} <= paths
    for method, path in routes:
        no_csrf = client.request(method, path, json={}, headers={"X-CSRF-Token": ""})
        assert no_csrf.status_code == 403, (method, path)
        other_site = client.request(method, path, json={}, headers={"Sec-Fetch-Site": "cross-site"})
        assert other_site.status_code == 403, (method, path)
        no_access = client.request(method, path, json={}, headers={"Authorization": ""})
        assert no_access.status_code == 401, (method, path)


def test_no_cors_header_on_any_get_that_returns_patient_data(tmp_path):
    client = client_for(tmp_path / "c.db")[0]
    cid = new(client)["id"]
    for path in (API, f"{API}/{cid}", f"{API}/{cid}/report", "/", f"/c/{cid}", f"/c/{cid}/result",
                 f"/c/{cid}/handout", f"/c/{cid}/export/report.json", f"/c/{cid}/export/case.yaml"):
        response = client.get(path, headers={"Origin": "http://evil.example"})
        assert response.status_code == 200, path
        assert not any(name.lower().startswith("access-control-") for name in response.headers), path
        assert response.headers["cache-control"] == "no-store", path


def test_the_server_listens_on_loopback_only():
    listener = bind(0)
    try:
        assert listener.getsockname()[0] == "127.0.0.1"
    finally:
        listener.close()


def test_the_server_binds_port_0_and_prints_the_port_and_token(tmp_path):
    server = Server(tmp_path / "c.db").start()  # port 0: the server chose the port
    try:
        assert server.port > 0 and len(server.token) >= 40
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(server.url + API)
        assert refused.value.code == 401
        connections = {line.split()[1] for line in Path("/proc/net/tcp").read_text().splitlines()[1:]
                       if line.split()[3] == "0A"}  # LISTEN
        assert f"0100007F:{server.port:04X}" in connections
        assert not any(c.endswith(f":{server.port:04X}") and c != f"0100007F:{server.port:04X}" for c in connections)
    finally:
        server.stop()


# ---- hostile bodies, generated ------------------------------------------------------------------------------
JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
                    | st.text(),
                    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children,
                                                                                       max_size=4),
                    max_leaves=20)
STEPS = st.fixed_dictionaries({"item": st.sampled_from(["red_flags", "pain_map", "ober_positive",
                                                        "palpate:gluteus_minimus", "nerve_screen", "x"]),
                               "value": JSON | st.lists(st.sampled_from(REGIONS), max_size=40)
                               | st.dictionaries(st.sampled_from(RED_FLAGS), st.sampled_from([True, False, "unknown",
                                                                                              0, None]))})
RAW = (st.binary(max_size=200)
       | st.sampled_from([b'{"case": NaN}', b'{"item": "ober_positive", "value": Infinity}',
                          b'{"item": "pain_map", "value": [-Infinity]}',
                          b'{"item": "red_flags", "value": {"fever": NaN}}'])
       | st.text(max_size=50).map(lambda t: t.encode("utf-8", "surrogatepass"))
       | st.integers(1, 3000).map(lambda n: nested(n).encode())
       | st.text(alphabet=st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF), min_size=1, max_size=3)
       .map(lambda t: json.dumps({"case": t}).encode()))


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory):
    client = client_for(tmp_path_factory.mktemp("fuzz") / "c.db", raise_server_exceptions=False)[0]
    cid = new(client)["id"]
    return client, cid


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(body=STEPS | JSON, path=st.sampled_from(["", "/{id}/answers", "/{id}/change", "/{id}/side", "/{id}/back"]))
def test_any_json_body_is_answered_without_a_server_error(fuzzed, body, path):
    client, cid = fuzzed
    response = client.post(API + path.format(id=cid), json=body)
    assert response.status_code in (200, 201, 404, 409, 422), (response.status_code, response.text)
    assert "error" in response.json() or response.status_code < 300


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(raw=RAW, path=st.sampled_from(["", "/{id}/answers", "/{id}/change", "/{id}/side"]))
def test_any_raw_body_is_answered_without_a_server_error(fuzzed, raw, path):
    client, cid = fuzzed
    response = client.post(API + path.format(id=cid), content=raw, headers={"content-type": "application/json"})
    assert response.status_code in (200, 201, 409, 422), (response.status_code, response.text)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(triage=st.text(max_size=30) | st.integers(0, 10 ** 6).map(str) | st.integers(4000, 12000).map(lambda n: "7" * n),
       hints=st.text(max_size=10))
def test_any_practice_query_is_answered_without_a_server_error(fuzzed, triage, hints):
    client, _cid = fuzzed
    response = client.get("/teach/practice", params={"case": CLASSIC_CODE, "triage": triage,
                                                     "hints": hints})
    assert response.status_code in (200, 422), response.status_code


def test_no_acknowledged_answer_is_lost_to_kill_9_under_50_concurrent_clients(tmp_path):
    from concurrent.futures import ThreadPoolExecutor
    path = tmp_path / "c.db"
    server = Server(path).start()
    acknowledged: dict[str, list] = {}  # consultation -> the answers the server said 200 to, in order
    try:
        csrf = urllib.request.urlopen(server.request("/")).read().decode().split('csrf-token" content="')[1][:43]
        headers = {"X-CSRF-Token": csrf, "Content-Type": "application/json"}

        def post(path, body):
            request = server.request(path, "POST", json.dumps(body).encode(), headers)
            with urllib.request.urlopen(request, timeout=30) as answer:
                return json.loads(answer.read())

        def client(index):
            try:
                created = post(API, {"case": f"client {index}"})
                cid, q = created["id"], created["next"]
                acknowledged[cid] = []
                while q is not None:
                    value = (dict.fromkeys(q["choices"], False) if q["item"] == "red_flags" else
                             ["buttock", "lateral_thigh"] if q["item"] == "pain_map" else "unknown")
                    step = {"item": q["item"], "value": value}
                    q = post(f"{API}/{cid}/answers", step)["next"]
                    acknowledged[cid].append(step)
            except (OSError, http.client.HTTPException):
                pass  # the server was killed under this request: it was never acknowledged

        with ThreadPoolExecutor(50) as pool:
            futures = [pool.submit(client, index) for index in range(50)]
            deadline = time.monotonic() + 60
            while (len(acknowledged) < 50 or min(map(len, acknowledged.values())) < 2) and time.monotonic() < deadline:
                time.sleep(0.05)
            server.kill()  # SIGKILL mid-traffic
            for future in futures:
                future.result(60)
    finally:
        server.stop()
    assert len(acknowledged) == 50
    again = Server(path).start()
    try:
        for cid, steps in acknowledged.items():
            with urllib.request.urlopen(again.request(f"{API}/{cid}")) as answer:
                stored = json.loads(answer.read())["answers"]
            # every acknowledged answer is there; at most one more (stored, killed before the reply)
            assert stored[:len(steps)] == steps and len(stored) <= len(steps) + 1, (cid, len(steps), len(stored))
    finally:
        again.stop()


def test_a_100_mb_body_is_refused_from_its_headers_without_being_read(tmp_path):
    with live(tmp_path / "c.db") as (port, app):
        sock = socket.create_connection((HOST, port))
        sock.sendall(f"POST /api/consultations HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {ACCESS}\r\n"
                     f"X-CSRF-Token: {app.app.state.token}\r\nContent-Type: application/json\r\n"
                     f"Content-Length: {100 << 20}\r\n\r\n".encode())
        sock.sendall(b"[" * 65536)  # a little of it; the rest never comes
        sock.settimeout(5)
        head = sock.recv(4096)
        assert head.startswith(b"HTTP/1.1 413"), head[:100]
        sock.close()
