"""Real-time latency: from a learner's answer to the next decision being ready.

Starts what it needs (a gunicorn web server and a Celery worker, on a throwaway database, with the
real Redis as broker and cache), loads the demo courses, trains a learner model on simulated
activity, then lets N simulated learners take quizzes concurrently through the real HTTP pages:
sign in, start a module quiz, answer, ask for the next step, answer again. For every answer it
records the time from sending the answer to the stored decision (the worker's, or the web's own if
the worker missed the deadline). In the same run it times the round trip of a bare no-op Celery task.
Everything it started is stopped at the end.

    python benchmarks/realtime_latency.py --learners 50 --json out.json

Needs Redis on 127.0.0.1:6379 (``--redis``). The database defaults to a fresh PostgreSQL database
on 127.0.0.1 (``--database-url`` to choose; ``sqlite`` for a throwaway SQLite file).
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
import uuid
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
BIN = Path(PYTHON).parent


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


class Browser:
    """A minimal browser: cookies, CSRF token, form posts, htmx headers."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def csrf(self) -> str:
        return next((c.value for c in self.jar if c.name == "csrftoken"), "")

    def get(self, path: str, htmx: bool = False) -> tuple[str, str]:
        request = urllib.request.Request(self.base + path, headers={"HX-Request": "true"} if htmx else {})
        with self.opener.open(request, timeout=30) as reply:
            return reply.read().decode(), reply.geturl()

    def post(self, path: str, data: dict[str, object], htmx: bool = False) -> tuple[str, str]:
        pairs = []
        for key, value in data.items():
            for v in value if isinstance(value, list) else [value]:
                pairs.append((key, str(v)))
        pairs.append(("csrfmiddlewaretoken", self.csrf()))
        headers = {"Referer": self.base + path, "X-CSRFToken": self.csrf()}
        if htmx:
            headers["HX-Request"] = "true"
        request = urllib.request.Request(self.base + path, data=urllib.parse.urlencode(pairs).encode(), headers=headers)
        with self.opener.open(request, timeout=30) as reply:
            return reply.read().decode(), reply.geturl()


def prepare(env: dict[str, str], model: str, sim_learners: int, learners: int) -> list[str]:
    """Migrate, load the demo, simulate activity, train and promote a model, create the learners."""
    def manage(*args: str) -> None:
        subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)

    manage("migrate", "--noinput")
    manage("setup_demo")
    script = f"""
from lms.content.models import Course
from lms.learning.simulation import simulate_course_activity
from lms.accounts.services import user_create
from adaptive.services import model_version_train
course = Course.objects.get(slug="data-literacy")
simulate_course_activity(course=course, learners={sim_learners}, seed=11, days=30)
result = model_version_train(model_name="{model}", max_epochs=8) if "{model}" in ("hybrid", "rl2", "maml") \
    else model_version_train(model_name="{model}")
print("model", result.version.pk, result.promoted)
for i in range({learners}):
    user_create(username=f"bench-{{i:03d}}", password="bench-password-123", role="learner")
"""
    subprocess.run([PYTHON, "manage.py", "shell", "-c", script], cwd=ROOT, env=env, check=True)
    return [f"bench-{i:03d}" for i in range(learners)]


def wait_http(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except Exception:  # noqa: BLE001 - not up yet
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")


ANSWER_FORM = re.compile(r'action="(/quiz/[0-9a-f-]+/questions/(\d+)/answer/)"')
HIDDEN = re.compile(r'name="(submission_id|shown_at)" value="([^"]*)"')
OPTION = re.compile(r'<input type="(?:radio|checkbox)" name="answer" value="([^"]+)"')


def learner_session(base: str, username: str, module_path: str, answers: int, think: float,
                    sent: dict[str, float], errors: list[str], stop_at: float) -> int:
    browser = Browser(base)
    browser.get("/accounts/login/")
    browser.post("/accounts/login/", {"username": username, "password": "bench-password-123"})
    done = 0
    while done < answers and time.monotonic() < stop_at:
        _, url = browser.post(module_path + "quiz/", {})
        attempt_path = urllib.parse.urlparse(url).path
        page, _ = browser.get(attempt_path)
        while done < answers and time.monotonic() < stop_at:
            form = ANSWER_FORM.search(page)
            if not form:
                break  # the quiz is over
            hidden = dict(HIDDEN.findall(page))
            options = OPTION.findall(page)
            answer: object = options[0] if options else "1"
            submission = hidden.get("submission_id") or str(uuid.uuid4())
            time.sleep(think)
            sent[submission] = time.time()
            try:
                browser.post(form.group(1), {"submission_id": submission, "shown_at": hidden.get("shown_at", ""),
                                             "answer": answer}, htmx=True)
            except Exception as exc:  # noqa: BLE001 - count it and go on
                errors.append(f"{username}: {exc}")
                break
            done += 1
            page, _ = browser.get(attempt_path, htmx=False)
            if "/summary/" in _:
                break
    return done


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--learners", type=int, default=50, help="Concurrent simulated learners.")
    parser.add_argument("--answers", type=int, default=20, help="Answers per learner.")
    parser.add_argument("--think-ms", type=float, default=1000, help="Think time before each answer.")
    parser.add_argument("--model", default="hybrid")
    parser.add_argument("--sim-learners", type=int, default=150, help="Simulated history the model trains on.")
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/pathwise_latency",
                        help="A database to create and use (or 'sqlite').")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379", help="Redis server (databases 10-12 are used).")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--worker-concurrency", type=int, default=2)
    parser.add_argument("--noop", type=int, default=200, help="No-op task round trips to time.")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="pathwise-latency-"))
    if args.database_url == "sqlite":
        database = f"sqlite:///{work / 'db.sqlite3'}"
    else:
        database = args.database_url
        name = urllib.parse.urlparse(database).path.lstrip("/")
        admin = database.rsplit("/", 1)[0] + "/postgres"
        subprocess.run(["psql", admin, "-qc", f'DROP DATABASE IF EXISTS "{name}"'], check=True)
        subprocess.run(["psql", admin, "-qc", f'CREATE DATABASE "{name}"'], check=True)
    import redis as redis_client

    for db in (10, 11, 12):
        redis_client.Redis.from_url(f"{args.redis}/{db}").flushdb()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "lms.settings",
        "DEBUG": "0",
        "SECRET_KEY": "latency-benchmark-" + uuid.uuid4().hex,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0", "SESSION_COOKIE_SECURE": "0", "CSRF_COOKIE_SECURE": "0",
        "SECURE_HSTS_SECONDS": "0",
        "DATABASE_URL": database,
        "DATABASE_CONN_MAX_AGE": "60",
        "CELERY_BROKER_URL": f"{args.redis}/10",
        "CELERY_RESULT_BACKEND": f"{args.redis}/11",
        "REDIS_URL": f"{args.redis}/12",
        "PATHWISE_VAR_DIR": str(work),
        "STATIC_ROOT": str(work / "static"),
        "LOG_LEVEL": "WARNING",
    }
    print(f"preparing in {work} ({database}) …", flush=True)
    usernames = prepare(env, args.model, args.sim_learners, args.learners)
    subprocess.run([PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)

    with ExitStack() as stack:
        logs = open(work / "services.log", "w")  # noqa: SIM115
        stack.callback(logs.close)
        web = subprocess.Popen([str(BIN / "gunicorn"), "lms.wsgi", "--bind", f"127.0.0.1:{args.port}", "--workers",
                                str(args.web_workers), "--threads", "8", "--log-level", "warning"],
                               cwd=ROOT, env=env, stdout=logs, stderr=subprocess.STDOUT, start_new_session=True)
        worker = subprocess.Popen([str(BIN / "celery"), "-A", "lms", "worker", "-Q", "realtime,default",
                                   "--concurrency", str(args.worker_concurrency), "--loglevel", "WARNING",
                                   "--without-gossip", "--without-mingle", "--prefetch-multiplier", "4"],
                                  cwd=ROOT, env=env, stdout=logs, stderr=subprocess.STDOUT, start_new_session=True)
        for process in (web, worker):
            stack.callback(lambda p=process: (os.killpg(p.pid, signal.SIGTERM), p.wait(timeout=30)))
        base = f"http://127.0.0.1:{args.port}"
        wait_http(base + "/accounts/login/")

        # The floor: a bare task's round trip through the same broker and a worker.
        noop_ms = []
        code = f"""
import time, json
from adaptive.tasks import noop
noop.delay().get(timeout=30)
times = []
for _ in range({args.noop}):
    t = time.perf_counter(); noop.delay().get(timeout=30); times.append((time.perf_counter() - t) * 1000)
print(json.dumps(times))
"""
        out = subprocess.run([PYTHON, "manage.py", "shell", "-c", code], cwd=ROOT, env=env, check=True,
                             capture_output=True, text=True).stdout
        noop_ms = json.loads(out.strip().splitlines()[-1])

        module_path = "/courses/data-literacy/what-is-data/"
        sent: dict[str, float] = {}
        errors: list[str] = []
        counts: list[int] = []
        stop_at = time.monotonic() + 600
        threads = [threading.Thread(target=lambda u=u: counts.append(
            learner_session(base, u, module_path, args.answers, args.think_ms / 1000, sent, errors, stop_at)))
            for u in usernames]
        started = time.time()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.time() - started
        time.sleep(2)  # let the last decisions land

        code = """
import json
from adaptive.models import Decision
rows = Decision.objects.filter(kind="question", response__isnull=False).values_list(
    "response__submission_id", "created", "source")
print(json.dumps([[str(s), c.timestamp(), src] for s, c, src in rows]))
"""
        out = subprocess.run([PYTHON, "manage.py", "shell", "-c", code], cwd=ROOT, env=env, check=True,
                             capture_output=True, text=True).stdout
        decided = json.loads(out.strip().splitlines()[-1])
    latencies = []
    sources: dict[str, int] = {}
    for submission, created, source in decided:
        if submission in sent:
            latencies.append((created - sent[submission]) * 1000)
            sources[source] = sources.get(source, 0) + 1
    answers = sum(counts)
    result = {
        "learners": args.learners,
        "answers": answers,
        "decisions": len(latencies),
        "p50_ms": round(percentile(latencies, 50), 1),
        "p95_ms": round(percentile(latencies, 95), 1),
        "p99_ms": round(percentile(latencies, 99), 1),
        "answers_per_s": round(answers / elapsed, 1),
        "noop_p50_ms": round(percentile(noop_ms, 50), 1),
        "noop_p95_ms": round(percentile(noop_ms, 95), 1),
        "decided_by": sources,
        "errors": len(errors),
        "model": args.model,
        "database": "sqlite" if args.database_url == "sqlite" else "postgresql",
        "think_ms": args.think_ms,
    }
    print(f"\n{args.learners} learners, {answers} answers in {elapsed:.1f}s ({result['answers_per_s']} answers/s), "
          f"model {args.model}, {result['database']}, think time {args.think_ms:.0f} ms")
    print("| measure | p50 ms | p95 ms | p99 ms |")
    print("|---|---|---|---|")
    print(f"| answer → decision ready | {result['p50_ms']} | {result['p95_ms']} | {result['p99_ms']} |")
    print(f"| no-op task round trip | {result['noop_p50_ms']} | {result['noop_p95_ms']} | – |")
    print(f"decided by: {sources}; errors: {len(errors)}; answers without a decision: {answers - len(latencies)}")
    if errors:
        print("first errors:", *errors[:5], sep="\n  ")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    if args.database_url != "sqlite":
        name = urllib.parse.urlparse(database).path.lstrip("/")
        admin = database.rsplit("/", 1)[0] + "/postgres"
        subprocess.run(["psql", admin, "-qc", f'DROP DATABASE IF EXISTS "{name}"'], check=False)
    shutil.rmtree(work, ignore_errors=True)
    return result


if __name__ == "__main__":
    main()
