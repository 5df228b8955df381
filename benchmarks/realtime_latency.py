"""Real-time latency: from a learner's answer to the next decision being ready.

Starts what it needs (a gunicorn web server, a Celery worker on the ``realtime`` queue and one on
``default``, on a throwaway database, with the real Redis as broker and cache), loads the demo
courses, trains a learner model on simulated activity, then lets N simulated learners take quizzes
concurrently through the real HTTP endpoints, as the quiz page does with htmx: post the answer,
fetch the next step (again every 100 ms while it is being decided; past the deadline, ask the web
to decide), fetch the next question, think, answer again. Every learner
signs in and opens a quiz before the clock starts, and think times are drawn around the mean so
that the learners do not answer in lockstep. For every answer it records the time from sending
the answer to the decision being ready: the moment the mark the web process waits for is set in
Redis, which happens once the decision is committed (the worker's, or the web's own if the worker
missed the deadline). A separate process watches for those marks through Redis keyspace
notifications; the benchmark switches them on for its run and restores the server's setting. In the same run it times the round trip of a bare no-op Celery task. Everything it
started is stopped at the end.

    python benchmarks/realtime_latency.py --learners 50 --json out.json

Needs Redis on 127.0.0.1:6379 (``--redis``). The database defaults to a fresh PostgreSQL database
on 127.0.0.1 (``--database-url`` to choose; ``sqlite`` for a throwaway SQLite file).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
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
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
BIN = Path(PYTHON).parent


# Runs in a process of its own, so that the load generator's threads cannot delay the timestamps.
WATCHER = """
import sys, time, redis
pubsub = redis.Redis.from_url(sys.argv[1]).pubsub(ignore_subscribe_messages=True)
pubsub.psubscribe(sys.argv[2])
print("watching", flush=True)
for message in pubsub.listen():
    print(message["channel"].decode().rsplit(":", 1)[1], repr(time.time()), flush=True)
"""


class ReadyWatcher:
    """Records when each decision's ready mark (``adaptive:decision:question:<response id>``) is set."""

    def __init__(self, redis_url: str, db: int, out: Path) -> None:
        import redis as redis_client

        self.server = redis_client.Redis.from_url(redis_url)
        self.previous = self.server.config_get("notify-keyspace-events").get("notify-keyspace-events", "")
        self.server.config_set("notify-keyspace-events", "".join(sorted(set(self.previous) | set("K$"))))
        self.out, self.ready = out, {}
        self.handle = open(out, "w")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [PYTHON, "-c", WATCHER, f"{redis_url}/{db}", f"__keyspace@{db}__:*adaptive:decision:question:*"],
            stdout=self.handle, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while "watching" not in out.read_text() and time.monotonic() < deadline:
            time.sleep(0.05)

    def stop(self) -> dict[int, float]:
        """Stop watching (again: nothing more) and return response id → time its decision was ready."""
        if self.handle.closed:
            return self.ready
        self.process.terminate()
        self.process.wait(timeout=10)
        self.handle.close()
        self.server.config_set("notify-keyspace-events", self.previous)
        ready: dict[int, float] = {}
        for line in self.out.read_text().splitlines()[1:]:
            response_id, when = line.split()
            ready.setdefault(int(response_id), float(when))  # the first mark; a repeat changes nothing
        self.ready = ready
        return ready


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


class Browser:
    """A minimal browser over one keep-alive connection: cookies, CSRF token, form posts, htmx
    headers, redirects."""

    def __init__(self, base: str) -> None:
        parsed = urllib.parse.urlparse(base)
        self.host, self.port = parsed.hostname or "127.0.0.1", parsed.port or 80
        self.base = base
        self.cookies: dict[str, str] = {}
        self.connection = http.client.HTTPConnection(self.host, self.port, timeout=30)

    def csrf(self) -> str:
        return self.cookies.get("csrftoken", "")

    def _request(self, method: str, path: str, body: bytes | None, headers: dict[str, str]) -> tuple[str, str]:
        for _ in range(5):  # redirects
            headers = {**headers, "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
            if body is not None:
                headers["Content-Type"] = "application/x-www-form-urlencoded"
            try:
                self.connection.request(method, path, body=body, headers=headers)
                reply = self.connection.getresponse()
            except (http.client.HTTPException, ConnectionError):
                # The server closed an idle keep-alive connection: open a new one and try again.
                self.connection.close()
                self.connection = http.client.HTTPConnection(self.host, self.port, timeout=30)
                self.connection.request(method, path, body=body, headers=headers)
                reply = self.connection.getresponse()
            text = reply.read().decode()
            for header in reply.headers.get_all("Set-Cookie") or []:
                name, _, rest = header.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
            if reply.status in (301, 302, 303) and reply.headers.get("Location"):
                path, method, body = urllib.parse.urlparse(reply.headers["Location"]).path, "GET", None
                headers = {}
                continue
            if reply.status >= 400:
                raise RuntimeError(f"{method} {path}: HTTP {reply.status}")
            return text, path
        raise RuntimeError(f"too many redirects at {path}")

    def get(self, path: str, htmx: bool = False) -> tuple[str, str]:
        return self._request("GET", path, None, {"HX-Request": "true"} if htmx else {})

    def post(self, path: str, data: dict[str, object], htmx: bool = False) -> tuple[str, str]:
        pairs = []
        for key, value in data.items():
            for v in value if isinstance(value, list) else [value]:
                pairs.append((key, str(v)))
        pairs.append(("csrfmiddlewaretoken", self.csrf()))
        headers = {"Referer": self.base + path, "X-CSRFToken": self.csrf()}
        if htmx:
            headers["HX-Request"] = "true"
        return self._request("POST", path, urllib.parse.urlencode(pairs).encode(), headers)


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
result = model_version_train(model_name="{model}", max_epochs=8) if "{model}" in ("gru_pfa", "gru", "bayes_mirt") \
    else model_version_train(model_name="{model}")
print(f"model {model} version {{result.version.pk}} trained;", "promoted to champion" if result.promoted else "NOT promoted")
for i in range({learners}):
    user_create(username=f"bench-{{i:03d}}", password="bench-password-123", role="learner")
"""
    subprocess.run([PYTHON, "manage.py", "shell", "-c", script], cwd=ROOT, env=env, check=True)
    return [f"bench-{i:03d}" for i in range(learners)]


def cpu_seconds_by_program(groups: dict[str, set[int]]) -> dict[str, float]:
    """CPU time (user + system, seconds) used so far by each program on the machine, from /proc.

    ``groups`` names process-group ids of processes this script started (web, workers); the rest
    are grouped by command name (postgres, redis-server, …). Linux only; empty elsewhere.
    """
    ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    totals: dict[str, float] = {}
    for entry in Path("/proc").glob("[0-9]*/stat"):
        try:
            raw = entry.read_text()
        except OSError:
            continue
        name = raw[raw.index("(") + 1 : raw.rindex(")")]
        fields = raw[raw.rindex(")") + 2 :].split()
        pgid, used = int(fields[2]), (int(fields[11]) + int(fields[12])) / ticks
        label = next((label for label, ids in groups.items() if pgid in ids), name)
        if int(entry.parent.name) == os.getpid():
            label = "load generator (this script)"
        totals[label] = totals.get(label, 0.0) + used
    return totals


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
# The next-step fragment while the worker decides: ask again after a delay, or (past the deadline)
# ask the web to decide (templates/learning/_next_step.html).
STEP_POLL = re.compile(r'hx-get="(/quiz/[0-9a-f-]+/next/\d+/)" hx-trigger="load delay:(\d+)ms"')
STEP_DECIDE = re.compile(r'hx-post="(/quiz/[0-9a-f-]+/decide/)" hx-vals=\'\{"response": "(\d*)"\}\'')


def next_step_request(html: str) -> tuple[str, str, float, dict[str, str]] | None:
    """What htmx does next with a next-step fragment: (method, path, delay in seconds, form data),
    or None once it shows the next question or the end."""
    if decide := STEP_DECIDE.search(html):
        return "POST", decide.group(1), 0.0, {"response": decide.group(2)}
    if poll := STEP_POLL.search(html):
        return "GET", poll.group(1), int(poll.group(2)) / 1000, {}
    return None


class Learner:
    """One simulated learner: signs in and opens a quiz (untimed), then answers through htmx."""

    def __init__(self, base: str, username: str, module_path: str, seed: int) -> None:
        self.browser = Browser(base)
        self.username, self.module_path = username, module_path
        self.random = random.Random(seed)
        self.page = ""
        self.attempt_path = ""

    def start(self) -> None:
        self.browser.get("/accounts/login/")
        self.browser.post("/accounts/login/", {"username": self.username, "password": "bench-password-123"})
        self.open_quiz()

    def open_quiz(self) -> None:
        self.page, self.attempt_path = self.browser.post(self.module_path + "quiz/", {})

    def run(self, answers: int, think: float, sent: dict[str, float], errors: list[str], stop_at: float,
            go: threading.Event) -> int:
        go.wait()
        time.sleep(self.random.uniform(0, think))  # arrive at random moments, as real learners do
        done = 0
        while done < answers and time.monotonic() < stop_at:
            form = ANSWER_FORM.search(self.page)
            if not form:  # the quiz is over: start the module again
                self.open_quiz()
                continue
            hidden = dict(HIDDEN.findall(self.page))
            options = OPTION.findall(self.page)
            answer: object = self.random.choice(options) if options else "1"
            time.sleep(think * self.random.uniform(0.5, 1.5))
            submission = hidden.get("submission_id") or str(uuid.uuid4())
            sent[submission] = time.time()
            try:
                feedback, _ = self.browser.post(form.group(1), {
                    "submission_id": submission, "shown_at": hidden.get("shown_at", ""), "answer": answer},
                    htmx=True)
                done += 1
                # htmx fetches the next step as soon as the feedback shows, again while it is being
                # decided, and past the deadline asks the web to decide.
                follow = next_step_request(feedback)
                while follow is not None:
                    method, path, delay, data = follow
                    time.sleep(delay)
                    step = (self.browser.post(path, data, htmx=True) if method == "POST"
                            else self.browser.get(path, htmx=True))
                    follow = next_step_request(step[0])
                self.page, _ = self.browser.get(self.attempt_path, htmx=True)  # "Next question"
            except Exception as exc:  # noqa: BLE001 - count it and go on
                errors.append(f"{self.username}: {exc}")
                if len(errors) > 100:
                    break
                self.page = ""
        return done


def run_phase(learners: list[Learner], answers: int, think_ms: float, groups: dict[str, set[int]],
              env: dict[str, str], watcher: ReadyWatcher) -> dict:
    """Every learner answers ``answers`` questions with the given mean think time; the latencies."""
    sent: dict[str, float] = {}
    errors: list[str] = []
    counts: list[int] = []
    stop_at = time.monotonic() + 600
    go = threading.Event()
    threads = [threading.Thread(target=lambda learner=learner: counts.append(
        learner.run(answers, think_ms / 1000, sent, errors, stop_at, go))) for learner in learners]
    for thread in threads:
        thread.start()
    cpu_before = cpu_seconds_by_program(groups)
    started = time.time()
    go.set()
    for thread in threads:
        thread.join()
    cpu_after = cpu_seconds_by_program(groups)
    elapsed = time.time() - started
    time.sleep(2)  # let the last decisions land
    ready = watcher.stop()

    code = """
import json
from adaptive.models import Decision
rows = Decision.objects.filter(kind="question", response__isnull=False).values_list(
    "response_id", "response__submission_id", "source", "response__created")
print(json.dumps([[pk, str(s), src, r.timestamp()] for pk, s, src, r in rows]))
"""
    out = subprocess.run([PYTHON, "manage.py", "shell", "-c", code], cwd=ROOT, env=env, check=True,
                         capture_output=True, text=True).stdout
    decided = json.loads(out.strip().splitlines()[-1])
    latencies, to_stored, stored_to_decided = [], [], []
    sources: dict[str, int] = {}
    for response_id, submission, source, stored in decided:
        if submission in sent and response_id in ready:
            latencies.append((ready[response_id] - sent[submission]) * 1000)
            to_stored.append((stored - sent[submission]) * 1000)
            stored_to_decided.append((ready[response_id] - stored) * 1000)
            sources[source] = sources.get(source, 0) + 1
    total = sum(counts)
    cpu = {label: round((cpu_after[label] - cpu_before.get(label, 0.0)) / max(1, total) * 1000, 2)
           for label in cpu_after if cpu_after[label] - cpu_before.get(label, 0.0) > 0.05}
    return {
        "learners": len(learners),
        "answers": total,
        "decisions": len(latencies),
        "think_ms": think_ms,
        "elapsed_s": round(elapsed, 1),
        "p50_ms": round(percentile(latencies, 50), 1),
        "p95_ms": round(percentile(latencies, 95), 1),
        "p99_ms": round(percentile(latencies, 99), 1),
        "answers_per_s": round(total / elapsed, 1),
        "stored_ms": {q: round(percentile(to_stored, q), 1) for q in (50, 95, 99)},
        "stored_to_decision_ms": {q: round(percentile(stored_to_decided, q), 1) for q in (50, 95, 99)},
        "decided_by": sources,
        "errors": len(errors),
        "first_errors": errors[:5],
        "cpu_ms_per_answer": dict(sorted(cpu.items(), key=lambda kv: -kv[1])),
    }


def print_phase(phase: dict, args: argparse.Namespace) -> None:
    print(f"\n{phase['learners']} learners, {phase['answers']} answers in {phase['elapsed_s']}s "
          f"({phase['answers_per_s']} answers/s), model {args.model}, mean think time {phase['think_ms']:.0f} ms")
    print("| measure | p50 ms | p95 ms | p99 ms |")
    print("|---|---|---|---|")
    print(f"| answer → decision ready | {phase['p50_ms']} | {phase['p95_ms']} | {phase['p99_ms']} |")
    for label, values in (("… answer sent → answer stored (web)", phase["stored_ms"]),
                          ("… answer stored → decision ready (queue + worker)", phase["stored_to_decision_ms"])):
        print(f"| {label} | {values[50]} | {values[95]} | {values[99]} |")
    print(f"| no-op task round trip | {phase['noop_p50_ms']} | {phase['noop_p95_ms']} | – |")
    print(f"decided by: {phase['decided_by']}; errors: {phase['errors']}; "
          f"answers without a decision: {phase['answers'] - phase['decisions']}")
    print("CPU per answer (ms):", ", ".join(f"{k} {v}" for k, v in phase["cpu_ms_per_answer"].items()),
          f"(2 cores give {2000 / max(phase['answers_per_s'], 1e-9):.0f} ms per answer at this rate)")
    if phase["first_errors"]:
        print("first errors:", *phase["first_errors"], sep="\n  ")


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--learners", type=int, default=50, help="Concurrent simulated learners.")
    parser.add_argument("--answers", type=int, default=10, help="Answers per learner in each phase.")
    parser.add_argument("--think-ms", type=lambda text: [float(v) for v in text.split(",")], default=[10000.0],
                        help="Mean think time before each answer (each drawn from 0.5 to 1.5 times it); "
                             "several, comma-separated, run one after the other on the same setup.")
    parser.add_argument("--model", default="gru_pfa")
    parser.add_argument("--sim-learners", type=int, default=150, help="Simulated history the model trains on.")
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/pathwise_latency",
                        help="A database to create and use (or 'sqlite').")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379", help="Redis server (databases 10-12 are used).")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--worker-concurrency", type=int, default=2, help="Processes serving the realtime queue.")
    parser.add_argument("--worker-pool", choices=("prefork", "solo"), default="prefork",
                        help="prefork: one worker with that many child processes; solo: that many workers.")
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
        # Every simulated learner signs in from 127.0.0.1 and answers as fast as it can.
        "PATHWISE_THROTTLE_SIGNIN": "100000/min", "PATHWISE_THROTTLE_USER": "100000/min",
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
        # As in docker-compose.yml: decisions have a worker of their own, so they never queue
        # behind progress summaries.
        def celery_worker(queue: str, name: str, *options: str) -> subprocess.Popen:
            return subprocess.Popen([str(BIN / "celery"), "-A", "lms", "worker", "-Q", queue, "-n", f"{name}@%h",
                                     "--loglevel", "WARNING", "--without-gossip", "--without-mingle", *options],
                                    cwd=ROOT, env=env, stdout=logs, stderr=subprocess.STDOUT, start_new_session=True)

        if args.worker_pool == "solo":  # one single-process worker per slot: no hand-over to a child process
            realtime = [celery_worker("realtime", f"realtime{i}", "--pool", "solo")
                        for i in range(args.worker_concurrency)]
        else:
            realtime = [celery_worker("realtime", "realtime", "--concurrency", str(args.worker_concurrency))]
        workers = [*realtime, celery_worker("default", "default", "--concurrency", "1")]
        for process in (web, *workers):
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
        learners = [Learner(base, u, module_path, seed=i) for i, u in enumerate(usernames)]
        print(f"signing in {len(learners)} learners and opening their quizzes …", flush=True)
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(Learner.start, learners))
        groups = {"web (gunicorn)": {web.pid}, "realtime worker": {w.pid for w in realtime},
                  "default worker": {workers[-1].pid}}
        phases = []
        for think_ms in args.think_ms:
            watcher = ReadyWatcher(args.redis, 12, work / "ready.txt")
            stack.callback(watcher.stop)  # restores the server's setting even if the phase fails
            phase = run_phase(learners, args.answers, think_ms, groups, env, watcher)
            phase.update(noop_p50_ms=round(percentile(noop_ms, 50), 1), noop_p95_ms=round(percentile(noop_ms, 95), 1))
            print_phase(phase, args)
            phases.append(phase)
    # The first phase's numbers at the top level; every phase under "phases".
    result = {**phases[0], "model": args.model, "database": "sqlite" if args.database_url == "sqlite" else "postgresql",
              "worker_pool": args.worker_pool, "phases": phases}
    if len(phases) > 1:
        print("\n| think time (mean) | answers/s | p50 ms | p95 ms | p99 ms | decided by web | CPU ms per answer |")
        print("|---:|---:|---:|---:|---:|---:|---:|")
        for phase in phases:
            print(f"| {phase['think_ms'] / 1000:g} s | {phase['answers_per_s']} | {phase['p50_ms']} | {phase['p95_ms']} "
                  f"| {phase['p99_ms']} | {phase['decided_by'].get('web', 0)} of {phase['answers']} "
                  f"| {sum(phase['cpu_ms_per_answer'].values()):.0f} |")
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
