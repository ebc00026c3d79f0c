"""The consultation room's pages and exports through the TestClient: forms go through the same
checks as the API, exports are what the other commands read, and user text is always escaped."""
import json
from pathlib import Path

import pytest
import yaml

pytest.importorskip("starlette")
from test_web_api import API, client_for, replay  # noqa: E402

from myotrace.expert.casefile import load_case, validate  # noqa: E402
from myotrace.expert.engine import get_engine  # noqa: E402
from myotrace.expert.report import build_report  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CLASSIC = load_case(ROOT / "cases" / "gmin-lateral-classic.yaml")


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    with client_for(tmp_path_factory.mktemp("pages") / "c.db")[0] as client:
        cid, _ = replay(client, CLASSIC)
        yield client, cid


def test_case_yaml_export_diagnoses_like_the_original(finished):
    client, cid = finished
    response = client.get(f"/c/{cid}/export/case.yaml")
    assert response.status_code == 200 and "attachment" in response.headers["content-disposition"]
    exported = validate(yaml.safe_load(response.text), "export")
    engine = get_engine()
    got = build_report(engine.consult(exported), exported)
    want = build_report(engine.consult(CLASSIC), CLASSIC)
    assert (got.triage, got.primary_muscle, got.chain) == (want.triage, want.primary_muscle, want.chain)


def test_report_exports(finished):
    client, cid = finished
    as_json = client.get(f"/c/{cid}/export/report.json")
    assert json.loads(as_json.text) == client.get(f"{API}/{cid}/report").json()
    markdown = client.get(f"/c/{cid}/export/report.md").text
    assert markdown.startswith("# myotrace report") and "treat" in markdown
    html = client.get(f"/c/{cid}/export/report.html").text
    assert "Content-Security-Policy" in html and "<script" not in html
    assert client.get(f"/c/{cid}/export/secrets.txt").status_code == 404


def test_result_page_leads_with_the_triage_and_names_the_chain(finished):
    client, cid = finished
    page = client.get(f"/c/{cid}/result").text
    assert page.index('id="triage-banner"') < page.index('id="chain"') < page.index('id="protocol"')
    assert "gluteus minimus" in page and 'class="arrow satellite"' in page
    handout = client.get(f"/c/{cid}/handout").text
    assert "What to do at home" in handout and "Please avoid" in handout and "adduction" not in handout


def test_user_text_is_escaped_everywhere(tmp_path):
    client = client_for(tmp_path / "c.db")[0]
    label = '<script>alert(1)</script>"><img src=x>'
    created = client.post(API, json={"case": label}).json()
    for url in ("/", f"/c/{created['id']}", f"/c/{created['id']}/result", f"/c/{created['id']}/handout"):
        text = client.get(url).text
        assert "<script>alert(1)" not in text and "<img src=x>" not in text, url
        assert "&lt;script&gt;alert(1)" in text, url


def test_form_answers_go_through_the_same_checks(tmp_path):
    client = client_for(tmp_path / "c.db")[0]
    created = client.post(API, json={}).json()
    cid = created["id"]
    bad = client.post(f"/c/{cid}/answer", data={"item": "red_flags", "flag:fever": "maybe"})
    assert bad.status_code == 422 and 'role="alert"' in bad.text
    assert client.get(f"{API}/{cid}").json()["answers"] == []
    fields = {f"flag:{flag}": "false" for flag in created["next"]["choices"]}
    good = client.post(f"/c/{cid}/answer", data={"item": "red_flags", **fields})
    assert good.status_code == 200 and 'data-kind="pain_map"' in good.text
    assert client.post(f"/c/{cid}/answer", data={"item": "pain_map", "region": ["buttock"]},
                       headers={"X-CSRF-Token": "no"}).status_code == 403


def test_a_stale_tab_is_told_and_shown_the_question_asked_now(tmp_path):
    client = client_for(tmp_path / "c.db")[0]
    created = client.post(API, json={}).json()
    cid = created["id"]
    no = {f"flag:{flag}": "false" for flag in created["next"]["choices"]}
    yes = {f"flag:{flag}": "true" for flag in created["next"]["choices"]}
    assert client.post(f"/c/{cid}/answer", data={"item": "red_flags", **no}).status_code == 200  # tab one
    stale = client.post(f"/c/{cid}/answer", data={"item": "red_flags", **yes})  # tab two, same screen
    assert stale.status_code == 409 and "already answered" in stale.text and 'data-kind="pain_map"' in stale.text
    flags = client.get(f"{API}/{cid}").json()["answers"][0]["value"]
    assert set(flags.values()) == {False}  # tab one's answer kept
