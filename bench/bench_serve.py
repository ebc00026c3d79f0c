"""`myotrace serve` over real HTTP on loopback: start time, server CPU per answer against the number of
open consultations, and answer latency for clients answering at a human pace; optionally side by
side with another checkout (e.g. the previous commit) started the same way.

    python bench/bench_serve.py [--against /tmp/base] [--open 8,32,64,128] [--answers 240]
                                [--repeat 3] [--clients 20] [--period 2] [--seconds 30] [--flat 0] [CASE]

--against DIR runs DIR/.venv/bin/python's myotrace as well (its own checkout and virtual
environment); every figure is printed for both. The CPU figures are the median of --repeat
measurements, the two sides taking turns, so a burst of load on a shared machine hits both.

Goals (issue 18): at most 8 ms of server CPU per answer whatever the number of open consultations;
p99 under 50 ms for 20 clients each answering once every 2 s; the first page in under 2 s.
Server CPU is the serving process's user + system time (/proc/PID/stat) around each answer, summed.
"""
import argparse
import json
import os
import random
import socket
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from webserver import Server  # noqa: E402

from myotrace.expert.casefile import load_case  # noqa: E402
from myotrace.expert.interview.session import answer_from_case  # noqa: E402
from myotrace.expert.web.consult import prompt_of  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime, stime


class Client:
    def __init__(self, server: Server):
        self.server = server
        page = urllib.request.urlopen(server.request("/")).read().decode()
        self.csrf = page.split('name="csrf-token" content="')[1].split('"')[0]

    def call(self, path, method="GET", body=None):
        data = None if body is None else json.dumps(body).encode()
        request = self.server.request(path, method, data, {"Content-Type": "application/json",
                                                           "X-CSRF-Token": self.csrf})
        with urllib.request.urlopen(request, timeout=60) as answer:
            return json.loads(answer.read() or b"null")

    def new(self):
        created = self.call("/api/consultations", "POST", {"case": "bench"})
        return created["id"], created["next"]

    def answer(self, case, cid, q):
        step = {"item": q["item"], "value": answer_from_case(case, prompt_of(q))}
        return self.call(f"/api/consultations/{cid}/answers", "POST", step)["next"]


def timed_answer(client, case, cid, q, latencies, lock):
    """Answer the question on screen, add its latency, and open a new consultation when that one ended."""
    began = time.perf_counter()
    q = client.answer(case, cid, q)
    with lock:
        latencies.append(time.perf_counter() - began)
    if q is None:
        cid, q = client.new()
    return cid, q


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start(python: str, db: Path, old: bool) -> Server:
    # a checkout before --port 0 existed gets a probed free port
    return Server(db, port=free_port() if old else 0, python=python).start()


def cpu_per_answer(python, old, folder, case, open_count, answers) -> float:
    """Server CPU per answer, answering ``open_count`` consultations in turn (one client)."""
    server = start(python, folder / f"cpu-{open_count}.db", old)
    try:
        client = Client(server)
        pid = server.process.pid
        open_ = [client.new() for _ in range(open_count)]
        used, done = 0.0, 0
        while done < answers:
            for index, (cid, q) in enumerate(open_):
                before = cpu_seconds(pid)
                q = client.answer(case, cid, q)
                used += cpu_seconds(pid) - before
                done += 1
                open_[index] = (cid, q) if q is not None else client.new()
                if done >= answers:
                    break
        return used / done
    finally:
        server.stop()


def paced(python, old, folder, case, clients, period, seconds) -> list[float]:
    """Latencies of ``clients`` threads, each answering once every ``period`` seconds for ``seconds``."""
    server = start(python, folder / "paced.db", old)
    latencies, lock = [], threading.Lock()
    end = time.monotonic() + seconds

    def one(offset):
        client = Client(server)
        cid, q = client.new()
        next_at = time.monotonic() + offset
        while True:
            time.sleep(max(0.0, next_at - time.monotonic()))
            if time.monotonic() >= end:
                return
            cid, q = timed_answer(client, case, cid, q, latencies, lock)
            next_at += period

    random.seed(0)
    threads = [threading.Thread(target=one, args=(random.uniform(0, period),)) for _ in range(clients)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(seconds + 120)
    finally:
        server.stop()
    return latencies


def flat_out(python, old, folder, case, clients, total) -> tuple[float, list[float]]:
    """``clients`` threads answering as fast as they can, ``total`` answers in all: (answers/s, latencies)."""
    server = start(python, folder / "flat.db", old)
    latencies, lock = [], threading.Lock()
    remaining = [total]

    def one():
        client = Client(server)
        cid, q = client.new()
        while True:
            with lock:
                if remaining[0] <= 0:
                    return
                remaining[0] -= 1
            cid, q = timed_answer(client, case, cid, q, latencies, lock)

    threads = [threading.Thread(target=one) for _ in range(clients)]
    began = time.perf_counter()
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(600)
    finally:
        server.stop()
    return len(latencies) / (time.perf_counter() - began), latencies


def ms(seconds: float) -> str:
    return f"{seconds * 1000:7.1f} ms"


def p99(values):
    return statistics.quantiles(values, n=100)[-1]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("case", nargs="?", default=str(ROOT / "cases" / "gmin-lateral-classic.yaml"))
    parser.add_argument("--against", help="another checkout with its own .venv (e.g. the previous commit)")
    parser.add_argument("--open", default="8,32,64,128", help="numbers of open consultations")
    parser.add_argument("--answers", type=int, default=240, help="answers per CPU measurement")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--period", type=float, default=2.0, help="seconds between one client's answers")
    parser.add_argument("--seconds", type=float, default=30.0, help="length of the paced run")
    parser.add_argument("--flat", type=int, default=0, help="also N answers with every client flat out")
    parser.add_argument("--starts", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=3,
                        help="CPU measurements per count and side (the median is shown)")
    options = parser.parse_args()
    case = load_case(options.case)
    sides = {"this": (sys.executable, False)}
    if options.against:
        sides["against"] = (str(Path(options.against) / ".venv" / "bin" / "python"), True)
    counts = [int(n) for n in options.open.split(",") if n]
    folder = Path(tempfile.mkdtemp(prefix="bench-serve-"))
    rows: dict[str, dict[str, str]] = {name: {} for name in sides}
    for name in sides:
        (folder / name).mkdir()
    starts = {name: [] for name in sides}
    for index in range(options.starts):
        for name, (python, old) in sides.items():
            server = start(python, folder / name / f"start-{index}.db", old)
            starts[name].append(server.started_in)
            server.stop()
    for name in sides:
        rows[name]["start to first page (median)"] = ms(statistics.median(starts[name]))
    for count in counts:  # the sides take turns, --repeat times: both see the same machine load
        used = {name: [] for name in sides}
        for _ in range(options.repeat):
            for name, (python, old) in sides.items():
                used[name].append(cpu_per_answer(python, old, folder / name, case, count, options.answers))
        for name in sides:
            rows[name][f"server CPU per answer, {count:3} open"] = ms(statistics.median(used[name]))
    for name, (python, old) in sides.items():
        out = rows[name]
        latencies = paced(python, old, folder / name, case, options.clients, options.period, options.seconds)
        label = f"{options.clients} clients, 1 answer / {options.period:g} s"
        out[f"{label}: answers"] = f"{len(latencies):7d}   "
        out[f"{label}: p50"] = ms(statistics.median(latencies))
        out[f"{label}: p99"] = ms(p99(latencies))
        if options.flat:
            rate, flat = flat_out(python, old, folder / name, case, options.clients, options.flat)
            label = f"{options.clients} clients flat out"
            out[f"{label}: answers/s"] = f"{rate:7.1f}   "
            out[f"{label}: p50"] = ms(statistics.median(flat))
            out[f"{label}: p99"] = ms(p99(flat))
    names = list(rows)
    print(f"myotrace serve, case {case.case}; " + ", ".join(f"{n} = {sides[n][0]}" for n in names))
    print(f"{'':48}" + "".join(f"{n:>14}" for n in names))
    for key in rows["this"]:
        print(f"{key:48}" + "".join(f"{rows[n].get(key, ''):>14}" for n in names))
    print("goals: CPU per answer <= 8 ms at every count; paced p99 < 50 ms; first page < 2000 ms")


if __name__ == "__main__":
    main()
