"""`myotrace serve`'s JSON API through Starlette's TestClient: every row of the table,
the security rules, atomic answers, two tabs, restarts, and agreement with `diagnose` on every library case."""
import json
import os
import stat
import threading
from pathlib import Path

import pytest

pytest.importorskip("starlette")

from myotrace.expert.casefile import case_paths, load_case  # noqa: E402
from myotrace.expert.engine import get_engine  # noqa: E402
from myotrace.expert.interview.session import ASKABLE, answer_from_case  # noqa: E402
from myotrace.expert.report import build_report  # noqa: E402
from myotrace.expert.web.consult import prompt_of  # noqa: E402
from myotrace.facts.vocabulary import RED_FLAGS, REGIONS  # noqa: E402

from webclient import PORT, bare_client, client_for  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CASES = case_paths([ROOT / "cases"])
API = "/api/consultations"
NO_FLAGS = {flag: False for flag in RED_FLAGS}
CLASSIC_PAIN = ["buttock", "lateral_thigh", "lateral_knee", "lateral_calf"]


@pytest.fixture
def db(tmp_path):
    return tmp_path / "data" / "consultations.db"


@pytest.fixture
def client(db):
    with client_for(db)[0] as kept:  # one event-loop thread for all its requests, not one each
        yield kept


def new(client, **body):
    response = client.post(API, json=body or None)
    assert response.status_code == 201, response.text
    return response.json()


def replay(client, case) -> tuple[str, int]:
    """Answer every Q from the case file, as a patient would; returns (id, number of answers)."""
    created = new(client, case=case.case, side=case.side)
    q, n = created["next"], 0
    while q is not None:
        response = client.post(f"{API}/{created['id']}/answers",
                               json={"item": q["item"], "value": answer_from_case(case, prompt_of(q))})
        assert response.status_code == 200, response.text
        q, n = response.json()["next"], n + 1
        assert response.json()["done"] is (q is None)
    return created["id"], n


# ---- every row of the table -------------------------------------------------------------
def test_get_root_is_the_app_with_a_csrf_meta(client):
    page = client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert '<meta name="csrf-token" content="' in page.text
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert "<script>" not in page.text  # no inline script


def test_post_creates_and_first_question_is_the_red_flag_checklist(client):
    created = new(client, case="runner-1")
    q = created["next"]
    assert set(created) == {"id", "next"}
    assert q["item"] == "red_flags" and set(q["choices"]) <= set(RED_FLAGS) and q["choices"]
    assert q["text"] and q["why"]


def test_post_without_body_is_allowed(client):
    response = client.post(API)
    assert response.status_code == 201 and response.json()["next"]["item"] == "red_flags"


def test_list_is_newest_first_with_the_contract_keys(client):
    first = new(client, case="first")
    second = new(client, case="second")
    client.post(f"{API}/{first['id']}/answers", json={"item": "red_flags", "value": {
        f: False for f in first["next"]["choices"]}})
    listed = client.get(API).json()
    assert [c["id"] for c in listed] == [first["id"], second["id"]]  # the first was changed last
    assert set(listed[0]) == {"id", "case", "updated", "triage"}
    assert listed[1]["case"] == "second"


def test_get_one_shows_answers_next_and_done(client):
    created = new(client, case="x")
    flags = {f: False for f in created["next"]["choices"]}
    client.post(f"{API}/{created['id']}/answers", json={"item": "red_flags", "value": flags})
    shown = client.get(f"{API}/{created['id']}").json()
    assert {"id", "case", "answers", "next", "done"} <= set(shown)
    assert shown["answers"] == [{"item": "red_flags", "value": flags}]
    assert shown["next"]["item"] == "pain_map" and shown["next"]["choices"] == list(REGIONS)
    assert shown["done"] is False


def test_back_undoes_the_last_answer(client):
    created = new(client)
    cid = created["id"]
    client.post(f"{API}/{cid}/answers", json={"item": "red_flags", "value": dict.fromkeys(created["next"]["choices"], False)})
    client.post(f"{API}/{cid}/answers", json={"item": "pain_map", "value": CLASSIC_PAIN})
    response = client.post(f"{API}/{cid}/back")
    assert response.status_code == 200
    assert response.json()["next"]["item"] == "pain_map" and response.json()["done"] is False
    assert [a["item"] for a in client.get(f"{API}/{cid}").json()["answers"]] == ["red_flags"]


def test_report_is_the_contract_json_of_the_answers_so_far(client):
    case = load_case(ROOT / "cases" / "gmin-lateral-classic.yaml")
    cid, _ = replay(client, case)
    report = client.get(f"{API}/{cid}/report")
    assert report.status_code == 200 and report.headers["content-type"].startswith("application/json")
    data = report.json()
    expected = json.loads(build_report(get_engine().consult(case), case).to_json())
    for key in ("triage", "primary_muscle", "chain", "red_flags"):
        assert data[key] == expected[key]
    assert list(data)[:4] == ["case", "triage", "red_flags", "conditions"]


def test_delete_removes_it_from_the_database(client, db):
    created = new(client, case="to-go")
    response = client.delete(f"{API}/{created['id']}")
    assert response.status_code == 204
    assert client.get(f"{API}/{created['id']}").status_code == 404
    import sqlite3
    with sqlite3.connect(db) as raw:
        assert raw.execute("SELECT count(*) FROM consultations").fetchone()[0] == 0


# ---- security -----------------------------------------------------------------------------
@pytest.mark.parametrize("method,path", [("POST", API), ("POST", API + "/{id}/answers"), ("POST", API + "/{id}/back"),
                                         ("DELETE", API + "/{id}")])
def test_state_change_without_or_with_a_wrong_csrf_token_is_403(client, method, path):
    cid = new(client)["id"]
    url = path.format(id=cid)
    for headers in ({"X-CSRF-Token": ""}, {"X-CSRF-Token": "forged"}):
        response = client.request(method, url, headers=headers, json={"item": "red_flags", "value": {}})
        assert response.status_code == 403, (method, url, headers)
    assert client.get(f"{API}/{cid}").json()["answers"] == []  # nothing happened


def test_cross_site_request_is_refused_even_with_the_token(client):
    response = client.post(API, headers={"Sec-Fetch-Site": "cross-site"})
    assert response.status_code == 403


@pytest.mark.parametrize("host", ["evil.example:8765", "127.0.0.1:9999", "localhost", "attacker.127.0.0.1.nip.io:8765",
                                  "[::1]:8765"])
def test_any_other_host_is_400(client, host):
    assert client.get("/", headers={"Host": host}).status_code == 400
    assert client.get(API, headers={"Host": host}).status_code == 400


def test_localhost_with_the_port_is_accepted(client):
    assert client.get(API, headers={"Host": f"localhost:{PORT}"}).status_code == 200


@pytest.mark.parametrize("body,needle", [
    ({"item": "red_flags", "value": {"fever": "yes"}}, "red_flags"),
    ({"item": "pain_map", "value": ["the_moon"]}, "the_moon"),
    ({"item": "no_such_item", "value": True}, "unknown item"),
    ({"item": "red_flags", "value": True}, "takes an object"),
    ({"item": "red_flags"}, "value"),
    ({"item": "red_flags", "value": {}, "extra": 1}, "extra"),
    (["not", "an", "object"], "JSON object"),
    ({"item": "ober_positive", "value": True}, "not asked now"),
])
def test_a_bad_step_is_422_with_one_message_and_nothing_stored(client, body, needle):
    created = new(client)
    response = client.post(f"{API}/{created['id']}/answers", json=body)
    assert response.status_code == 422, response.text
    message = response.json()["error"]
    assert needle in message and "\n" not in message
    assert client.get(f"{API}/{created['id']}").json()["answers"] == []


def test_a_checklist_missing_a_flag_is_422(client):
    created = new(client)
    flags = dict.fromkeys(created["next"]["choices"][1:], False)
    response = client.post(f"{API}/{created['id']}/answers", json={"item": "red_flags", "value": flags})
    assert response.status_code == 422 and "checklist" in response.json()["error"]


def test_body_that_is_not_json_is_422(client):
    created = new(client)
    response = client.post(f"{API}/{created['id']}/answers", content=b"{nope", headers={"content-type": "application/json"})
    assert response.status_code == 422


@pytest.mark.parametrize("method,path", [("GET", "/{id}"), ("POST", "/{id}/answers"), ("POST", "/{id}/back"),
                                         ("GET", "/{id}/report"), ("DELETE", "/{id}")])
def test_unknown_id_is_404(client, method, path):
    response = client.request(method, API + path.format(id="nope"), json={"item": "red_flags", "value": {}})
    assert response.status_code == 404 and "nope" in response.json()["error"]


def test_database_file_is_owner_only_and_in_the_data_dir(db, tmp_path, monkeypatch):
    client_for(db)
    assert stat.S_IMODE(os.stat(db).st_mode) == 0o600
    from myotrace.expert.web.store import default_db_path
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert default_db_path() == tmp_path / "xdg" / "myotrace" / "consultations.db"


# ---- atomic writes, two tabs, restarts --------------------------------------------------------
def test_two_tabs_answering_the_same_question_lose_nothing(client):
    created = new(client)
    cid, choices = created["id"], created["next"]["choices"]
    first = client.post(f"{API}/{cid}/answers", json={"item": "red_flags", "value": dict.fromkeys(choices, False)})
    assert first.status_code == 200
    stale = client.post(f"{API}/{cid}/answers", json={"item": "red_flags", "value": dict.fromkeys(choices, True)})
    assert stale.status_code == 409 and "already answered" in stale.json()["error"]
    answers = client.get(f"{API}/{cid}").json()["answers"]
    assert answers == [{"item": "red_flags", "value": dict.fromkeys(choices, False)}]


def test_concurrent_answers_from_two_clients_are_serialised(db, monkeypatch):
    """Two services over the same database, as two server processes would be (one server runs
    its handlers one at a time, so two answers can only meet in the database): a barrier holds
    each answer until the other has arrived, then exactly one is recorded and the other is told
    it came too late."""
    from myotrace.expert.web.consult import ApiError, Consultations
    from myotrace.expert.web.store import Store

    created = new(client_for(db)[0])
    cid, choices = created["id"], created["next"]["choices"]
    services = [Consultations(Store(db)), Consultations(Store(db))]
    both_in = threading.Barrier(2, timeout=30)
    arrived = []
    real_answer = Consultations.answer

    def answer_when_both_are_in(self, *args, **kwargs):
        arrived.append(both_in.wait())  # raises BrokenBarrierError if the other never comes
        return real_answer(self, *args, **kwargs)

    monkeypatch.setattr(Consultations, "answer", answer_when_both_are_in)
    results = []

    def answer(service, value):
        try:
            service.answer(cid, {"item": "red_flags", "value": dict.fromkeys(choices, value)})
            results.append(200)
        except ApiError as refused:
            results.append(refused.status)

    threads = [threading.Thread(target=answer, args=(s, v)) for s, v in zip(services, (False, "unknown"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(arrived) == [0, 1], "the two answers were not in flight together"
    assert sorted(results) == [200, 409]
    shown = client_for(db)[0].get(f"{API}/{cid}").json()
    assert len(shown["answers"]) == 1 and shown["next"]["item"] == "pain_map"


def test_a_failing_write_leaves_the_consultation_as_it_was(client, monkeypatch):
    created = new(client)
    cid = created["id"]
    from myotrace.expert.interview.session import Interview

    def broken(self):
        raise RuntimeError("disk on fire")
    monkeypatch.setattr(Interview, "refresh", broken)
    with pytest.raises(RuntimeError):
        client.post(f"{API}/{cid}/answers", json={"item": "red_flags",
                                                  "value": dict.fromkeys(created["next"]["choices"], False)})
    monkeypatch.undo()
    shown = client.get(f"{API}/{cid}").json()
    assert shown["answers"] == [] and shown["next"]["item"] == "red_flags"


def test_a_restart_loses_nothing(db):
    client, token = client_for(db)
    created = new(client, case="restart")
    cid = created["id"]
    client.post(f"{API}/{cid}/answers", json={"item": "red_flags", "value": dict.fromkeys(created["next"]["choices"], False)})
    client.post(f"{API}/{cid}/answers", json={"item": "pain_map", "value": CLASSIC_PAIN})
    before = client.get(f"{API}/{cid}").json()
    again = bare_client(db, token="a-new-start")  # a new process's app on the same file
    again.headers["Authorization"] = "Bearer a-new-start"
    again.headers["X-CSRF-Token"] = token  # an open page keeps working after a restart
    after = again.get(f"{API}/{cid}").json()
    assert after["answers"] == before["answers"] and after["next"] == before["next"]
    assert again.post(f"{API}/{cid}/back").status_code == 200


# ---- changing an earlier answer --------------------------------------------------------------
def test_changing_an_earlier_answer_re_derives(client):
    case = load_case(ROOT / "cases" / "gmin-lateral-classic.yaml")
    cid, _ = replay(client, case)
    assert client.get(f"{API}/{cid}/report").json()["triage"] == "treat"
    flags = {a["item"]: a["value"] for a in client.get(f"{API}/{cid}").json()["answers"]}["red_flags"]
    changed = client.post(f"{API}/{cid}/change", json={"item": "red_flags", "value": {**flags, "fever": True}})
    assert changed.status_code == 200
    assert client.get(f"{API}/{cid}/report").json()["triage"] == "urgent_referral"
    answered = {a["item"] for a in client.get(f"{API}/{cid}").json()["answers"]}
    never = next(item for item in ASKABLE if item not in answered and item not in RED_FLAGS)
    refused = client.post(f"{API}/{cid}/change", json={"item": never, "value": True})
    assert refused.status_code == 422 and "not been answered" in refused.json()["error"]


# ---- agreement with diagnose on every library case ------------------------------------------
@pytest.fixture(scope="module")
def shared_client(tmp_path_factory):
    with client_for(tmp_path_factory.mktemp("agree") / "c.db")[0] as kept:
        yield kept


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_api_agrees_with_diagnose(shared_client, path):
    case = load_case(path)
    cid, _ = replay(shared_client, case)
    got = shared_client.get(f"{API}/{cid}/report").json()
    want = json.loads(build_report(get_engine().consult(case), case).to_json())
    for key in ("triage", "primary_muscle", "chain", "secondary_chains"):
        assert got.get(key) == want.get(key), (path.stem, key)
    assert shared_client.get(API).json()[0]["triage"] == want["triage"]
