"""Load test at organisation scale: how many learners taking a quiz at once one machine holds.

Starts the production shape on a throwaway database (gunicorn with ``--web-workers`` processes, a
Celery worker on the ``realtime`` queue and one on ``default``, PostgreSQL, Redis as broker and
cache), loads the demo courses and creates the learners, managers and their teams in bulk, then
drives them with Locust (as a library, headless) through the pages a browser uses:

- every learner signs in on the sign-in page (during the ramp-up), then all of them start the same
  module's quiz at the same moment (the exam-start spike);
- each answers as the htmx quiz page does (post the answer, fetch the next step, fetch the next
  question), thinking between answers for an exponentially distributed time (``--think-s``, mean
  10 s), and starts the quiz again when it ends;
- a small share of managers (``--manager-share``) open the analytics overview, the at-risk list and
  their team's page.

For each step of ``--users`` it reports answers per second, answer latency (POST → 2xx) p50, p95 and
p99, next-question latency, the start spike, errors (any non-2xx or exception; the target is 0),
CPU milliseconds per answer for each part (gunicorn, realtime worker, default worker, this run's
PostgreSQL backends, Redis, the load generator itself), read from /proc for each process tree, and
which part ran out of CPU first. The ramp-up and ``--warmup-s`` after the start are left out of the
steady numbers. ``--nodes 2`` starts a second web server and a second realtime worker (two nodes'
worth on one machine) and spreads the learners over both. Everything it started is stopped, and the
database dropped, at the end or on Ctrl-C.

    python benchmarks/load_test.py --users 100 250 500 750 --json load.json

Needs PostgreSQL on 127.0.0.1:5432 (trust; ``--postgres``) and Redis on 127.0.0.1:6379 (``--redis``;
databases 8 and 9 by default, which must be empty). Linux (/proc).
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import gevent
import gevent.event
from load_stats import (
    CSRF_INPUT,
    CpuMeter,
    Proc,
    QuestionForm,
    Role,
    Sample,
    capacity,
    cpu_report,
    machine_busy,
    members,
    question_form,
    read_processes,
    saturated_first,
    summarise,
    table,
)
from locust import FastHttpUser, between, task
from locust.env import Environment
from realtime_latency import next_step_request, wait_http

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
BIN = Path(PYTHON).parent
PASSWORD = "load-test-password-123"
P95_TARGET_MS = 300.0


class SetupFailed(Exception):
    """Something the load test needs is missing or broke while starting; the message says what."""


# ----- the plan every simulated user reads --------------------------------------------------------


@dataclass
class Plan:
    hosts: list[str]
    module_path: str
    think_s: float
    manager_think_s: float
    teams: list[str]
    go: gevent.event.Event = field(default_factory=gevent.event.Event)
    signed_in: int = 0
    learner_names: Iterator[int] = field(default_factory=itertools.count)
    manager_names: Iterator[int] = field(default_factory=itertools.count)
    host_turn: Iterator[int] = field(default_factory=itertools.count)
    samples: list[Sample] = field(default_factory=list)


PLAN: Plan | None = None


def plan() -> Plan:
    if PLAN is None:
        raise RuntimeError("the load test's plan is not set")
    return PLAN


def exponential_think(mean_s: float) -> float:
    return random.expovariate(1 / mean_s) if mean_s > 0 else 0.0


class PathwiseUser(FastHttpUser):
    """A browser: signs in on the sign-in page, then waits for the common start."""

    abstract = True
    host = "http://127.0.0.1"  # replaced per user in __init__
    wait_time = between(0, 0)  # replaced by each kind of user
    network_timeout = connection_timeout = 60.0

    def __init__(self, environment: Environment) -> None:
        hosts = plan().hosts
        self.host = hosts[next(plan().host_turn) % len(hosts)]  # learners spread over the web nodes
        super().__init__(environment)

    def csrf(self) -> str:
        return next((cookie.value for cookie in self.client.cookiejar if cookie.name == "csrftoken"), "") or ""

    def sign_in(self, username: str) -> bool:
        page = self.client.get("/accounts/login/", name="sign-in page")
        token = CSRF_INPUT.search(page.text or "")
        with self.client.post("/accounts/login/", name="sign in", allow_redirects=False, catch_response=True,
                              data={"csrfmiddlewaretoken": token.group(1) if token else "", "username": username,
                                    "password": PASSWORD}) as reply:
            if reply.status_code == 302:
                reply.success()
                plan().signed_in += 1
                return True
            reply.failure(f"sign-in refused (HTTP {reply.status_code})")
            return False

    def htmx_headers(self) -> dict[str, str]:
        return {"HX-Request": "true", "X-CSRFToken": self.csrf()}

    def expect_2xx(self, reply: object, what: str) -> bool:
        status = reply.status_code  # type: ignore[attr-defined]
        if 200 <= status < 300:
            reply.success()  # type: ignore[attr-defined]
            return True
        reply.failure(f"{what}: HTTP {status}")  # type: ignore[attr-defined]
        return False


class Learner(PathwiseUser):
    """Takes the quiz as the htmx page does: answer, next step, next question; thinks in between."""

    def wait_time(self) -> float:  # type: ignore[override]
        return exponential_think(plan().think_s)

    def on_start(self) -> None:
        self.attempt_path = ""
        self.form: QuestionForm | None = None
        signed_in = self.sign_in(f"load-learner-{next(plan().learner_names):05d}")
        plan().go.wait()
        if signed_in:
            self.start_quiz()
            gevent.sleep(self.wait_time())  # reading the first question
        else:
            self.stop()

    def start_quiz(self) -> None:
        with self.client.post(plan().module_path + "quiz/", name="start quiz", allow_redirects=False,
                              catch_response=True, data={"csrfmiddlewaretoken": self.csrf()}) as reply:
            location = reply.headers.get("Location", "") if reply.headers else ""
            if reply.status_code != 302 or not location.startswith("/quiz/"):
                reply.failure(f"start quiz: HTTP {reply.status_code} to {location or 'nowhere'}")
                self.form = None
                return
            reply.success()
        self.attempt_path = location
        with self.client.get(location, name="quiz page", catch_response=True) as page:
            if self.expect_2xx(page, "quiz page"):
                self.form = question_form(page.text or "")

    @task
    def answer(self) -> None:
        form = self.form
        if form is None:
            self.start_quiz()
            return
        value: str | list[str] = random.choice(form.options) if form.options else "1"
        data: dict[str, object] = {**form.hidden, "answer": value, "csrfmiddlewaretoken": self.csrf()}
        with self.client.post(form.action, name="answer", data=data, headers=self.htmx_headers(),
                              allow_redirects=False, catch_response=True) as reply:
            if reply.headers and reply.headers.get("HX-Redirect"):
                reply.failure("answer refused (sent back to the quiz)")
                self.form = None
                return
            if not self.expect_2xx(reply, "answer"):
                self.form = None
                return
            feedback = reply.text or ""
        # htmx fetches the next step as soon as the feedback shows, and again while it is being decided.
        follow = next_step_request(feedback)
        while follow is not None:
            method, path, delay, data = follow
            gevent.sleep(delay)
            name = "next step: decide" if method == "POST" else "next step"
            with self.client.request(method, path, name=name, headers=self.htmx_headers(),
                                     data={**data, "csrfmiddlewaretoken": self.csrf()} if method == "POST" else None,
                                     catch_response=True) as reply:
                if not self.expect_2xx(reply, name):
                    break
                follow = next_step_request(reply.text or "")
        with self.client.get(self.attempt_path, name="next question", headers=self.htmx_headers(),
                             allow_redirects=False, catch_response=True) as reply:
            if not self.expect_2xx(reply, "next question"):
                self.form = None
                return
            finished = bool(reply.headers and reply.headers.get("HX-Redirect"))
            self.form = None if finished else question_form(reply.text or "")  # over: start again


class Manager(PathwiseUser):
    """Opens the dashboards a line manager reads."""

    def wait_time(self) -> float:  # type: ignore[override]
        return exponential_think(plan().manager_think_s)

    def on_start(self) -> None:
        index = next(plan().manager_names)
        self.team = plan().teams[index % len(plan().teams)]
        signed_in = self.sign_in(f"load-manager-{index:04d}")
        plan().go.wait()
        if not signed_in:
            self.stop()

    @task
    def dashboards(self) -> None:
        for path, name in (("/analytics/", "dashboard: overview"), ("/analytics/at-risk/", "dashboard: at risk"),
                           (f"/accounts/teams/{self.team}/", "dashboard: team")):
            with self.client.get(path, name=name, catch_response=True) as reply:
                self.expect_2xx(reply, name)


# ----- the production shape -----------------------------------------------------------------------


def check_prerequisites(args: argparse.Namespace) -> None:
    if not Path("/proc/self/stat").exists():
        raise SetupFailed("this load test reads CPU times from /proc: run it on Linux")
    if shutil.which("psql") is None:
        raise SetupFailed("psql is not installed (the PostgreSQL client creates and drops the database)")
    probe = subprocess.run(["psql", f"{args.postgres}/postgres", "-qAtc", "SELECT 1"], capture_output=True, text=True)
    if probe.returncode != 0:
        raise SetupFailed(f"PostgreSQL is not reachable at {args.postgres}: {probe.stderr.strip()}")
    import redis as redis_client

    for db in args.redis_dbs:
        try:
            keys = redis_client.Redis.from_url(f"{args.redis}/{db}", socket_timeout=3).dbsize()
        except redis_client.RedisError as exc:
            raise SetupFailed(f"Redis is not reachable at {args.redis}: {exc}") from None
        if keys and not args.flush_redis:
            raise SetupFailed(f"Redis database {db} holds {keys} keys: another run may be using it. Choose others "
                              "with --redis-dbs, or pass --flush-redis if they are left over from a stopped run.")
    for port in range(args.port, args.port + args.nodes):
        with socket.socket() as probe_socket:
            if probe_socket.connect_ex(("127.0.0.1", port)) == 0:
                raise SetupFailed(f"port {port} is taken; choose another with --port")


def service_env(args: argparse.Namespace, database: str, work: Path) -> dict[str, str]:
    """The production settings (DEBUG off, separate Redis databases for broker and cache), over plain
    HTTP on 127.0.0.1, with rate limits raised because every simulated learner signs in from there."""
    broker_db, cache_db = args.redis_dbs
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "lms.settings",
        "DEBUG": "0",
        "SECRET_KEY": "load-test-" + uuid.uuid4().hex,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0", "SESSION_COOKIE_SECURE": "0", "CSRF_COOKIE_SECURE": "0",
        "SECURE_HSTS_SECONDS": "0",
        "DATABASE_URL": database,
        "DATABASE_CONN_MAX_AGE": "60",
        "PATHWISE_THROTTLE_SIGNIN": "1000000/min", "PATHWISE_THROTTLE_USER": "1000000/min",
        "PATHWISE_THROTTLE_ANON": "1000000/min",
        "CELERY_BROKER_URL": f"{args.redis}/{broker_db}",
        "CELERY_RESULT_BACKEND": f"{args.redis}/{broker_db}",
        "REDIS_URL": f"{args.redis}/{cache_db}",
        "PATHWISE_VAR_DIR": str(work),
        "STATIC_ROOT": str(work / "static"),
        "LOG_LEVEL": "WARNING",
    }
    for pair in args.env:
        key, _, value = pair.partition("=")
        env[key] = value
    return env


def manage(env: dict[str, str], *args: str, quiet: bool = True) -> str:
    done = subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        last_lines = "\n".join((done.stderr or done.stdout).strip().splitlines()[-25:])
        raise SetupFailed(f"manage.py {args[0]} failed:\n{last_lines}")
    return done.stdout


PEOPLE = """
import math
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from lms.accounts.models import LEARNER, MANAGER, Team
learners, managers, team_size = {learners}, {managers}, {team_size}
User = get_user_model()
password = make_password("{password}")  # one hash for all: hashing is slow on purpose
User.objects.bulk_create([User(username=f"load-learner-{{i:05d}}", password=password) for i in range(learners)]
                         + [User(username=f"load-manager-{{i:04d}}", password=password) for i in range(managers)])
users = {{u.username: u.pk for u in User.objects.filter(username__startswith="load-")}}
groups = {{name: Group.objects.get_or_create(name=name)[0] for name in (LEARNER, MANAGER)}}
Member = User.groups.through
Member.objects.bulk_create([Member(user_id=pk, group_id=groups[MANAGER if "manager" in name else LEARNER].pk)
                            for name, pk in users.items()])
teams = Team.objects.bulk_create([Team(name=f"Load test team {{t + 1}}", slug=f"load-team-{{t + 1}}")
                                  for t in range(max(1, math.ceil(learners / team_size)))])
TeamMember, TeamManager = Team.members.through, Team.managers.through
TeamMember.objects.bulk_create([TeamMember(team_id=teams[i // team_size].pk, user_id=users[f"load-learner-{{i:05d}}"])
                                for i in range(learners)])
TeamManager.objects.bulk_create([TeamManager(team_id=teams[i % len(teams)].pk, user_id=users[f"load-manager-{{i:04d}}"])
                                 for i in range(managers)])
print("TEAMS", " ".join(team.slug for team in teams))
"""


def prepare(env: dict[str, str], args: argparse.Namespace, learners: int, managers: int) -> list[str]:
    """Migrate, load the demo (with a simulated history for the dashboards), create people in bulk."""
    print("migrating and loading the demo courses …", flush=True)
    manage(env, "migrate", "--noinput")
    manage(env, "setup_demo", "--simulated-learners", str(args.history_learners))
    manage(env, "collectstatic", "--noinput", "-v0")
    print(f"creating {learners} learners and {managers} managers …", flush=True)
    out = manage(env, "shell", "-c", PEOPLE.format(learners=learners, managers=managers, team_size=args.team_size,
                                                   password=PASSWORD))
    line = next((line for line in out.splitlines() if line.startswith("TEAMS ")), "")
    return line.split()[1:]


@dataclass
class Services:
    web: list[subprocess.Popen]
    realtime: list[subprocess.Popen]
    default: subprocess.Popen
    database: str

    def roles(self, args: argparse.Namespace) -> list[Role]:
        cores = os.cpu_count() or 1
        database = self.database

        def backend(process: Proc) -> bool:  # a PostgreSQL backend serving this run's database
            return process.cmdline.startswith("postgres:") and f" {database} " in process.cmdline

        return [
            Role("web (gunicorn)", frozenset(p.pid for p in self.web), cores=min(cores, args.web_workers * args.nodes)),
            Role("realtime worker", frozenset(p.pid for p in self.realtime),
                 cores=min(cores, args.worker_concurrency * args.nodes)),
            Role("default worker", frozenset({self.default.pid}), cores=1),
            Role("PostgreSQL", match=backend, cores=cores),
            Role("Redis", match=lambda p: p.name == "redis-server", cores=1),
            Role("load generator", match=lambda p: p.pid == os.getpid(), cores=1, descend=False),
        ]


def start_services(stack: ExitStack, args: argparse.Namespace, env: dict[str, str], work: Path, database: str) -> Services:
    logs = open(work / "services.log", "w")  # noqa: SIM115 - closed by the stack
    stack.callback(logs.close)

    def spawn(command: list[str]) -> subprocess.Popen:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=logs, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        stack.callback(stop_process, process)
        return process

    web = [spawn([str(BIN / "gunicorn"), "lms.wsgi", "--bind", f"127.0.0.1:{args.port + node}", "--workers",
                  str(args.web_workers), "--threads", str(args.threads), "--log-level", "warning"])
           for node in range(args.nodes)]

    def worker(queue: str, name: str, concurrency: int) -> subprocess.Popen:
        return spawn([str(BIN / "celery"), "-A", "lms", "worker", "-Q", queue, "-n", f"{name}@%h", "--concurrency",
                      str(concurrency), "--loglevel", "WARNING", "--without-gossip", "--without-mingle"])

    realtime = [worker("realtime", f"realtime{node + 1}", args.worker_concurrency) for node in range(args.nodes)]
    default = worker("default", "default", 1)
    for node in range(args.nodes):
        try:
            wait_http(f"http://127.0.0.1:{args.port + node}/accounts/login/", seconds=90)
        except RuntimeError:
            raise SetupFailed(f"gunicorn did not answer on port {args.port + node} within 90 s; its log:\n"
                              + (work / "services.log").read_text()[-3000:]) from None
    ping = subprocess.run([str(BIN / "celery"), "-A", "lms", "inspect", "ping", "--timeout", "60"], cwd=ROOT, env=env,
                          capture_output=True, text=True)
    if ping.returncode != 0:
        raise SetupFailed("the Celery workers did not answer a ping; their log:\n"
                          + (work / "services.log").read_text()[-3000:])
    return Services(web=web, realtime=realtime, default=default, database=database)


def stop_process(process: subprocess.Popen) -> None:
    """Stop a process and everything in its session: SIGTERM, then SIGKILL after 20 s."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    except ProcessLookupError:
        pass


# ----- one step -----------------------------------------------------------------------------------


def look_at_processes() -> dict[int, Proc]:
    """/proc, read in a thread of its own so that the simulated users' clocks do not stop meanwhile."""
    return gevent.get_hub().threadpool.apply(read_processes)


def error_text(exception: BaseException | None) -> str | None:
    if exception is None:
        return None
    text = str(exception).strip().splitlines()[0] if str(exception).strip() else ""
    return f"{type(exception).__name__}: {text[:120]}" if type(exception).__name__ != "CatchResponseError" else text[:120]


def run_step(args: argparse.Namespace, learners: int, teams: list[str], services: Services) -> dict:
    """Sign ``learners`` learners (and their managers) in, start them at once, measure, stop them."""
    global PLAN
    managers = math.ceil(learners * args.manager_share) if args.manager_share > 0 else 0
    PLAN = current = Plan(hosts=[f"http://127.0.0.1:{args.port + node}" for node in range(args.nodes)],
                          module_path=args.module, think_s=args.think_s, manager_think_s=args.manager_think_s,
                          teams=teams)
    Manager.fixed_count = managers
    environment = Environment(user_classes=[Learner, Manager] if managers else [Learner])

    def record(request_type: str, name: str, response_time: float, exception: BaseException | None,
               start_time: float, **_: object) -> None:
        current.samples.append(Sample(name=name, started=start_time, ms=response_time, error=error_text(exception)))

    environment.events.request.add_listener(record)
    runner = environment.create_local_runner()
    total = learners + managers
    began = time.time()
    print(f"\n== {learners} learners, {managers} managers: signing in at {args.spawn_rate:g} per second …", flush=True)
    runner.start(total, spawn_rate=args.spawn_rate)
    ramp_deadline = time.monotonic() + total / args.spawn_rate + args.sign_in_grace_s
    next_progress = time.time() + 5
    while current.signed_in < total and time.monotonic() < ramp_deadline:
        gevent.sleep(0.5)
        failed = sum(1 for s in current.samples if s.name == "sign in" and s.error)
        if current.signed_in + failed >= total:
            break
        if time.time() >= next_progress:
            progress(current, began, f"signed in {current.signed_in}/{total}, {failed} refused")
            next_progress += 5
    if current.signed_in == 0:
        runner.quit()
        first = next((s.error for s in current.samples if s.error), "no request finished")
        raise SetupFailed(f"no simulated user could sign in: {first}")
    roles = services.roles(args)
    start = time.time()
    current.go.set()  # the exam starts: every signed-in user starts the quiz now
    print(f"{current.signed_in}/{total} signed in after {start - began:.0f} s; all start the quiz now "
          f"(warm-up {args.warmup_s:g} s, then {args.duration_s:g} s measured)", flush=True)
    while time.time() < start + args.warmup_s:
        gevent.sleep(min(5.0, start + args.warmup_s - time.time()))
        progress(current, began, "warming up")
    meter = CpuMeter(roles)
    meter.observe(look_at_processes())
    busy_before = machine_busy(Path("/proc/stat").read_text())
    measure_from = time.time()
    next_progress = time.time() + 10
    while time.time() < measure_from + args.duration_s:
        gevent.sleep(min(2.0, measure_from + args.duration_s - time.time()))
        processes = look_at_processes()
        meter.observe(processes)
        if time.time() >= next_progress:
            progress(current, began, "measuring")
            next_progress += 10
    busy_after = machine_busy(Path("/proc/stat").read_text())
    measure_to = time.time()
    sizes = {role.name: len(members(processes, role)) for role in roles}
    runner.quit()

    requests = summarise(current.samples, start=measure_from, end=measure_to)
    spike = summarise([s for s in current.samples if s.name in ("start quiz", "quiz page")], start=start,
                      end=start + args.warmup_s)
    answers = requests.get("answer", {}).get("count", 0) - requests.get("answer", {}).get("errors", 0)
    cpu = cpu_report(meter.used, answers=answers, elapsed_s=measure_to - measure_from, roles=roles)
    machine = (busy_after[0] - busy_before[0]) / max(1.0, busy_after[1] - busy_before[1])
    errors = [s for s in current.samples if s.error and s.started < measure_to]
    kinds: dict[str, int] = {}
    for sample in errors:
        kinds[f"{sample.name}: {sample.error}"] = kinds.get(f"{sample.name}: {sample.error}", 0) + 1
    return {
        "learners": learners,
        "managers": managers,
        "signed_in": current.signed_in,
        "measured_s": round(measure_to - measure_from, 1),
        "requests": requests,
        "spike": spike,
        "errors": len(errors) + (total - current.signed_in if not errors else 0),
        "error_kinds": dict(sorted(kinds.items(), key=lambda kv: -kv[1])[:10]),
        "cpu": cpu,
        "processes": sizes,  # how many processes each part had at the end of the step
        "machine_busy": round(machine, 3),
        "saturated_first": saturated_first(cpu, machine_utilisation=machine, ignore=("load generator",)),
    }


def progress(current: Plan, began: float, phase: str) -> None:
    now = time.time()
    recent = [s for s in current.samples if s.name == "answer" and s.started >= now - 10]
    errors = sum(1 for s in current.samples if s.error)
    print(f"  +{now - began:4.0f} s {phase}: {len(recent) / 10:.1f} answers/s over the last 10 s, "
          f"{errors} errors so far", flush=True)


# ----- the whole run ------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, nargs="+", default=[100, 250, 500, 750],
                        help="Concurrent learners, one step each (managers come on top).")
    parser.add_argument("--think-s", type=float, default=10.0, help="Mean think time between answers (exponential).")
    parser.add_argument("--manager-share", type=float, default=0.02, help="Managers per learner (0.02: 2 per 100).")
    parser.add_argument("--manager-think-s", type=float, default=30.0, help="Mean time between dashboard visits.")
    parser.add_argument("--spawn-rate", type=float, default=5.0,
                        help="Users signing in per second during the ramp-up (each sign-in hashes a password).")
    parser.add_argument("--sign-in-grace-s", type=float, default=60.0, help="Extra time allowed for the ramp-up.")
    parser.add_argument("--warmup-s", type=float, default=30.0, help="After the common start, left out of the numbers.")
    parser.add_argument("--duration-s", type=float, default=180.0, help="Measured time per step.")
    parser.add_argument("--module", default="/courses/data-literacy/what-is-data/", help="The module whose quiz all take.")
    parser.add_argument("--web-workers", type=int, default=3, help="gunicorn processes per web node (as the Dockerfile).")
    parser.add_argument("--threads", type=int, default=4, help="Threads per gunicorn process (as the Dockerfile).")
    parser.add_argument("--worker-concurrency", type=int, default=2, help="Processes of each realtime worker.")
    parser.add_argument("--nodes", type=int, choices=(1, 2), default=1,
                        help="2: a second web server and realtime worker on this machine, learners spread over both.")
    parser.add_argument("--team-size", type=int, default=50)
    parser.add_argument("--history-learners", type=int, default=10,
                        help="Simulated learners per demo course whose past answers fill the dashboards.")
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432",
                        help="PostgreSQL server; a fresh database is created there and dropped at the end.")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379")
    parser.add_argument("--redis-dbs", type=int, nargs=2, default=[8, 9], metavar=("BROKER", "CACHE"))
    parser.add_argument("--flush-redis", action="store_true", help="Empty those Redis databases even if they hold keys.")
    parser.add_argument("--port", type=int, default=8790, help="First web node's port (the second uses the next).")
    parser.add_argument("--env", action="append", default=[], metavar="KEY=VALUE",
                        help="An extra setting for the server processes, e.g. DATABASE_POOL=1 (repeatable).")
    parser.add_argument("--json", type=Path, help="Write the results there.")
    args = parser.parse_args(argv)
    problems = [f"{name} must be positive" for name, value in (
        ("--think-s", args.think_s + 1e-9), ("--spawn-rate", args.spawn_rate), ("--duration-s", args.duration_s),
        ("--web-workers", args.web_workers), ("--threads", args.threads), ("--team-size", args.team_size),
        ("--worker-concurrency", args.worker_concurrency)) if value <= 0]
    problems += ["--users must be positive"] if min(args.users) <= 0 else []
    problems += ["--warmup-s must not be negative"] if args.warmup_s < 0 else []
    problems += [f"--env {pair!r} is not KEY=VALUE" for pair in args.env if "=" not in pair or pair.startswith("=")]
    if problems:
        parser.error("; ".join(problems))
    return args


def main(argv: list[str] | None = None) -> dict:
    args = parse_args(argv)
    check_prerequisites(args)
    name = f"pathwise_load_{uuid.uuid4().hex[:10]}"
    database = f"{args.postgres}/{name}"
    admin = f"{args.postgres}/postgres"
    work = Path(tempfile.mkdtemp(prefix="pathwise-load-"))
    learners, managers = max(args.users), math.ceil(max(args.users) * args.manager_share)
    import redis as redis_client

    def flush_redis() -> None:
        for db in args.redis_dbs:
            redis_client.Redis.from_url(f"{args.redis}/{db}").flushdb()

    steps: list[dict] = []
    with ExitStack() as stack:
        # Run in reverse at the end, on an error and on Ctrl-C or SIGTERM: processes, Redis, database, files.
        stack.callback(shutil.rmtree, work, ignore_errors=True)
        subprocess.run(["psql", admin, "-qc", f'CREATE DATABASE "{name}"'], check=True, capture_output=True)
        stack.callback(subprocess.run, ["psql", admin, "-qc", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'],
                       capture_output=True)
        flush_redis()
        stack.callback(flush_redis)
        env = service_env(args, database, work)
        print(f"working in {work}, database {name}", flush=True)
        teams = prepare(env, args, learners, managers)
        print(f"starting {args.nodes} web node(s) of {args.web_workers} gunicorn processes and the workers …", flush=True)
        services = start_services(stack, args, env, work, name)
        for users in args.users:
            steps.append(run_step(args, users, teams, services))
            print(table(steps[-1:], p95_target_ms=P95_TARGET_MS), flush=True)
            if args.json:  # written after every step, so a stopped run keeps what it measured
                write_json(args, steps)
            if any("HTTP 5" in kind for kind in steps[-1]["error_kinds"]):
                print("server errors; the end of the servers' log:\n" + (work / "services.log").read_text()[-6000:])
    print(f"\n{table(steps, p95_target_ms=P95_TARGET_MS)}")
    held = capacity(steps, p95_target_ms=P95_TARGET_MS)
    print(f"\nHeld with answer p95 ≤ {P95_TARGET_MS:g} ms and no error: "
          f"{f'{held} learners' if held else 'none of the steps'} ({args.nodes} node(s), {os.cpu_count()} CPUs).")
    for step in steps:
        if step["error_kinds"]:
            print(f"errors at {step['learners']} learners:", *[f"{n} × {k}" for k, n in step["error_kinds"].items()],
                  sep="\n  ")
    return write_json(args, steps) if args.json else {"steps": steps}


def write_json(args: argparse.Namespace, steps: list[dict]) -> dict:
    result = {
        "machine": {"cpus": os.cpu_count(), "load_average_at_end": os.getloadavg()},
        "settings": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
        "p95_target_ms": P95_TARGET_MS,
        "held_learners": capacity(steps, p95_target_ms=P95_TARGET_MS),
        "steps": steps,
    }
    if args.json:
        args.json.write_text(json.dumps(result, indent=2, default=str))
    return result


def _stop_on_sigterm(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    try:
        main()
    except SetupFailed as exc:
        sys.exit(f"load test stopped: {exc}")
    except KeyboardInterrupt:
        sys.exit("load test interrupted; everything it started has been stopped and its database dropped")
