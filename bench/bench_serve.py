"""`myotrace serve`: wall time from starting the process to the first page, and the latency of one
answer (POST …/answers → the next question) over real HTTP on loopback; medians.

    python bench/bench_serve.py [--starts 5] [--runs 5] [CASE]

Goals (issue 13, CONTRACT §6): the server answers its first page in under 2 s; an answer brings
the next question in under 50 ms (median).
"""
import argparse
import json
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from webserver import Server  # noqa: E402

from myotrace.expert.casefile import load_case  # noqa: E402
from myotrace.expert.interview.session import Interview, answer_from_case  # noqa: E402
from myotrace.expert.web.consult import prompt_of  # noqa: E402


def call(url, method="GET", body=None, token=""):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method,
                                     headers={"Content-Type": "application/json", "X-CSRF-Token": token})
    with urllib.request.urlopen(request) as answer:
        return json.loads(answer.read() or b"null")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--starts", type=int, default=5)
    parser.add_argument("--runs", type=int, default=5, help="consultations answered to the end")
    parser.add_argument("case", nargs="?", default=str(ROOT / "cases" / "gmin-lateral-classic.yaml"))
    options = parser.parse_args()
    case = load_case(options.case)
    folder = Path(tempfile.mkdtemp())
    starts = []
    for index in range(options.starts):
        server = Server(folder / f"start-{index}.db").start()
        starts.append(server.started_in)
        server.stop()
    server = Server(folder / "answers.db").start()
    try:
        page = urllib.request.urlopen(server.url + "/").read().decode()
        token = page.split('name="csrf-token" content="')[1].split('"')[0]
        latencies = []
        for _ in range(options.runs):
            created = call(server.url + "/api/consultations", "POST", {"case": "bench"}, token)
            q = created["next"]
            while q is not None:
                step = {"item": q["item"], "value": answer_from_case(case, prompt_of(q))}
                began = time.perf_counter()
                q = call(f"{server.url}/api/consultations/{created['id']}/answers", "POST", step, token)["next"]
                latencies.append(time.perf_counter() - began)
    finally:
        server.stop()
    inside = []  # the same answers in-process, state machine only: what the web layer adds is the difference
    for _ in range(options.runs):
        interview = Interview()
        while (prompt := interview.next_prompt()) is not None:
            began = time.perf_counter()
            interview.answer(answer_from_case(case, prompt))
            inside.append(time.perf_counter() - began)
    print(f"start to first page: median {statistics.median(starts) * 1000:.0f} ms "
          f"(min {min(starts) * 1000:.0f}, max {max(starts) * 1000:.0f}; {len(starts)} starts; goal < 2000 ms)")
    print(f"answer -> next question: median {statistics.median(latencies) * 1000:.1f} ms "
          f"(p90 {statistics.quantiles(latencies, n=10)[-1] * 1000:.1f} ms; {len(latencies)} answers "
          f"of {case.case}; goal < 50 ms)")
    print(f"  of which the state machine (Interview.answer, one engine consult, in-process): "
          f"median {statistics.median(inside) * 1000:.1f} ms")


if __name__ == "__main__":
    main()
