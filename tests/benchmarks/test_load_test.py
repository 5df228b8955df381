"""The load test (benchmarks/load_test.py): its arithmetic (benchmarks/load_stats.py) without starting
anything, and one very short real run against PostgreSQL and Redis on this machine (skipped when
either is absent). The real run is a subprocess: Locust patches the standard library with gevent
as it is imported, which must not happen inside the test process."""

from __future__ import annotations

import importlib
import json
import math
import os
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def stats() -> ModuleType:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        return importlib.import_module("load_stats")
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))


def test_it_summarises_only_the_measured_window(stats: ModuleType) -> None:
    samples = [stats.Sample("answer", 5.0, 9999.0)]  # warm-up: left out
    samples += [stats.Sample("answer", 10.0 + i / 10, float(i + 1)) for i in range(100)]  # 1 … 100 ms
    samples += [stats.Sample("answer", 12.0, 50.0, error="answer: HTTP 500"),
                stats.Sample("next question", 11.0, 20.0), stats.Sample("answer", 20.0, 9999.0)]  # after the end
    summary = stats.summarise(samples, start=10.0, end=20.0)
    answer = summary["answer"]
    assert answer["count"] == 101 and answer["errors"] == 1
    assert answer["error_kinds"] == {"answer: HTTP 500": 1}
    assert answer["per_s"] == 10.0  # 100 good answers in 10 s
    assert answer["p50_ms"] == 50.0 or answer["p50_ms"] == 51.0
    assert answer["p95_ms"] in (95.0, 96.0) and answer["max_ms"] == 100.0
    assert summary["next question"]["count"] == 1


def test_it_reports_nothing_rather_than_zero_for_no_answers(stats: ModuleType) -> None:
    summary = stats.summarise([stats.Sample("answer", 1.0, 10.0, error="boom")], start=0.0, end=2.0)
    assert summary["answer"]["per_s"] == 0.0 and math.isnan(summary["answer"]["p95_ms"])


def test_it_reads_a_question_form_whatever_the_attribute_order(stats: ModuleType) -> None:
    html = """<div id="quiz-step"><form method="post" class="x" action="/quiz/ab-12/questions/7/answer/"
      hx-post="/quiz/ab-12/questions/7/answer/"><input type="hidden" name="csrfmiddlewaretoken" value="tok">
      <input type="hidden" name="submission_id" value="5d1" id="id_submission_id">
      <input name="shown_at" type="hidden" value="2024-01-01T10:00:00">
      <input value="31" id="a1" type="radio" name="answer" required><input type="radio" name="answer" value="32">
      </form><form action="/accounts/logout/"><input type="hidden" name="next" value="/"></form></div>"""
    form = stats.question_form(html)
    assert form.action == "/quiz/ab-12/questions/7/answer/"
    assert form.hidden == {"csrfmiddlewaretoken": "tok", "submission_id": "5d1", "shown_at": "2024-01-01T10:00:00"}
    assert form.options == ["31", "32"] and form.option_type == "radio"
    typed = stats.question_form('<form action="/quiz/a/questions/8/answer/"><input type="text" name="answer"></form>')
    assert typed.options == [] and typed.option_type == ""
    assert stats.question_form("<p>Quiz finished</p>") is None


def test_it_parses_a_stat_line_with_a_name_holding_spaces_and_parentheses(stats: ModuleType) -> None:
    line = "4242 (celery (worker) 1) S 4200 4200 4200 0 -1 4194560 1 0 0 0 250 50 30 20 20 0 3 0 100 0 0"
    process = stats.parse_stat(line, "celery worker", ticks_per_s=100)
    assert (process.pid, process.ppid, process.name) == (4242, 4200, "celery (worker) 1")
    assert process.cpu_s == 3.0 and process.reaped_children_cpu_s == 0.5


def test_it_counts_cpu_per_process_tree(stats: ModuleType) -> None:
    proc = stats.Proc
    processes = {p.pid: p for p in [
        proc(1, 0, "init", "", 100.0, 500.0),
        proc(10, 1, "gunicorn", "gunicorn lms.wsgi", 1.0, 4.0),  # 4 s from a worker that was replaced
        proc(11, 10, "gunicorn", "gunicorn lms.wsgi", 20.0, 0.0),
        proc(12, 10, "gunicorn", "gunicorn lms.wsgi", 30.0, 0.0),
        proc(13, 12, "sh", "sh -c x", 0.5, 0.0),  # a grandchild still belongs to the tree
        proc(20, 1, "celery", "celery worker", 2.0, 0.0),
        proc(30, 1, "postgres", "/usr/lib/postgresql/bin/postgres", 50.0, 9.0),
        proc(31, 30, "postgres", "postgres: postgres pathwise_load_x 127.0.0.1(5000) idle", 7.0, 0.0),
        proc(32, 30, "postgres", "postgres: postgres other_db 127.0.0.1(5001) idle", 70.0, 0.0),
        proc(40, 1, "python", "python load_test.py", 6.0, 0.0),
    ]}
    roles = [
        stats.Role("web", frozenset({10})),
        stats.Role("worker", frozenset({20, 99})),  # 99 has exited: nothing to count, no failure
        stats.Role("PostgreSQL", match=lambda p: "pathwise_load_x" in p.cmdline),
        stats.Role("load generator", match=lambda p: p.pid == 40, descend=False),
        stats.Role("nobody", match=lambda p: False),
    ]
    assert stats.cpu_by_role(processes, roles) == {"web": 55.5, "worker": 2.0, "PostgreSQL": 7.0,
                                                   "load generator": 6.0, "nobody": 0}


def test_it_meters_processes_that_come_and_go_inside_the_window(stats: ModuleType) -> None:
    proc = stats.Proc
    postgres = stats.Role("PostgreSQL", match=lambda p: "mydb" in p.cmdline)
    meter = stats.CpuMeter([postgres])

    def look(*backends: tuple[int, float]) -> None:
        meter.observe({pid: proc(pid, 1, "postgres", "postgres: mydb idle", cpu, 0.0) for pid, cpu in backends})

    look((10, 100.0), (11, 5.0))  # the window opens: what they used before does not count
    look((10, 102.0), (11, 6.0), (12, 0.5))  # 12 connected inside the window: all of it counts
    look((10, 104.0), (12, 1.5))  # 11 ended: its last second is lost, the rest counted
    assert meter.used == {"PostgreSQL": 2.0 + 1.0 + 0.5 + 2.0 + 1.0}


def test_it_turns_cpu_into_ms_per_answer_and_utilisation(stats: ModuleType) -> None:
    roles = [stats.Role("web", cores=2), stats.Role("Redis")]
    report = stats.cpu_report({"web": 60.0, "Redis": 3.0}, answers=1000, elapsed_s=60.0, roles=roles)
    assert report["web"] == {"cpu_s": 60.0, "ms_per_answer": 60.0, "utilisation": 0.5}
    assert report["Redis"] == {"cpu_s": 3.0, "ms_per_answer": 3.0, "utilisation": 0.05}
    assert math.isnan(stats.cpu_report({"web": 1.0}, answers=0, elapsed_s=1.0, roles=roles)["web"]["ms_per_answer"])


def test_it_reads_the_machine_busy_share(stats: ModuleType) -> None:
    busy, total = stats.machine_busy("cpu  100 0 50 800 50 0 0 0 0 0\ncpu0 1 2 3 4\n")
    assert (busy, total) == (150.0, 1000.0)


def test_it_names_what_saturated_first(stats: ModuleType) -> None:
    cpu = {"web": {"cpu_s": 100.0, "utilisation": 0.85}, "realtime": {"cpu_s": 30.0, "utilisation": 0.5},
           "load generator": {"cpu_s": 200.0, "utilisation": 0.99}}
    assert stats.saturated_first(cpu, machine_utilisation=0.6, ignore=["load generator"]).startswith("web (85%")
    machine = stats.saturated_first(cpu, machine_utilisation=0.95, ignore=["load generator"])
    assert machine.startswith("the machine's CPU (95% busy); the biggest user is web")
    calm = {"web": {"cpu_s": 1.0, "utilisation": 0.2}}
    assert stats.saturated_first(calm, machine_utilisation=0.3).startswith("none (busiest: web at 20%")


def step(learners: int, p95: float, errors: int = 0) -> dict:
    answer = {"per_s": learners / 10, "p50_ms": p95 / 2, "p95_ms": p95, "p99_ms": p95 * 1.5, "count": 10, "errors": 0}
    return {"learners": learners, "managers": 1, "requests": {"answer": answer}, "spike": {}, "errors": errors,
            "cpu": {"web": {"ms_per_answer": 40.0}}, "saturated_first": "none"}


def test_it_finds_the_capacity_from_the_smallest_step_up(stats: ModuleType) -> None:
    assert stats.capacity([step(250, 200), step(100, 90), step(500, 290)], p95_target_ms=300) == 500
    assert stats.capacity([step(100, 90), step(250, 400), step(500, 290)], p95_target_ms=300) == 100
    assert stats.capacity([step(100, 90, errors=1)], p95_target_ms=300) is None
    assert stats.capacity([{**step(100, 90), "requests": {}}], p95_target_ms=300) is None


def test_it_prints_one_table_row_per_step(stats: ModuleType) -> None:
    text = stats.table([step(100, 90), step(250, 400)], p95_target_ms=300)
    lines = text.splitlines()
    assert len(lines) == 4 and "web CPU ms/answer" in lines[0] and "holds (p95 ≤ 300 ms, 0 errors)" in lines[0]
    assert lines[2].startswith("| 100 | 1 | 10 | 45 | 90 | 135 | – | – | 0 | 40 |") and lines[2].endswith("| yes |")
    assert lines[3].endswith("| no |")


def reachable(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def run_load_test(*args: str, timeout: float = 480) -> subprocess.CompletedProcess:
    """Run the load test; past ``timeout`` (generous: a loaded 2-core machine is slow) stop it with
    SIGTERM, so that it stops what it started and empties its databases, and fail saying so."""
    command = [sys.executable, str(ROOT / "benchmarks" / "load_test.py"), *args]
    with subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as process:
        try:
            stdout, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired as late:
            process.terminate()
            stdout, stderr = process.communicate(timeout=120)
            raise AssertionError(f"the load test ran past {timeout:.0f}s and was stopped:\n"
                                 f"{stdout[-2000:]}{stderr[-2000:]}") from late
    return subprocess.CompletedProcess(command, process.returncode, stdout, stderr)


def test_it_refuses_bad_options_with_a_message() -> None:
    done = run_load_test("--users", "0", "--env", "NOEQUALS", timeout=60)
    assert done.returncode == 2
    assert "--users must be positive" in done.stderr and "'NOEQUALS' is not KEY=VALUE" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.skipif(not (reachable(5432) and reachable(6379) and shutil.which("psql")),
                    reason="needs PostgreSQL on 127.0.0.1:5432 (with psql) and Redis on 127.0.0.1:6379")
def test_it_runs_end_to_end_and_leaves_nothing_behind(tmp_path: Path) -> None:
    out = tmp_path / "load.json"
    done = run_load_test("--users", "3", "--think-s", "1", "--manager-share", "0.5", "--manager-think-s", "2",
                         "--spawn-rate", "10", "--warmup-s", "3", "--duration-s", "8", "--history-learners", "0",
                         # Databases 10 and 11 are this test's own: what a stopped run left there goes.
                         "--redis-dbs", "10", "11", "--flush-redis",
                         "--port", str(18790 + os.getpid() % 1000), "--json", str(out))
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    result = json.loads(out.read_text())
    (only,) = result["steps"]
    assert only["learners"] == 3 and only["managers"] == 2 and only["signed_in"] == 5
    assert only["errors"] == 0, only["error_kinds"]
    assert only["requests"]["answer"]["count"] > 0 and only["requests"]["next question"]["count"] > 0
    assert only["spike"]["start quiz"]["count"] == 3
    assert only["cpu"]["web (gunicorn)"]["cpu_s"] > 0 and only["cpu"]["PostgreSQL"]["cpu_s"] > 0
    assert "| 3 | 2 |" in done.stdout
    database = re.search(r"database (pathwise_load_[0-9a-f]+)", done.stdout).group(1)
    leftover = subprocess.run(["psql", "postgres://postgres@127.0.0.1:5432/postgres", "-qAtc",
                               f"SELECT count(*) FROM pg_database WHERE datname = '{database}'"],
                              capture_output=True, text=True)
    assert leftover.stdout.strip() == "0", f"{database} was not dropped"
