"""Time the learner's, the manager's and the author's pages on the demo data: median and p95 of the
server time over repeated requests, and the SQL queries each request runs, through Django's test
client (the whole view, middleware, templates and queries; no network).

    export PATHWISE_VAR_DIR=/tmp/pagebench DEBUG=1
    .venv/bin/python manage.py migrate --noinput && .venv/bin/python manage.py setup_demo --simulated-learners 120
    PATHWISE_VAR_DIR=/tmp/pagebench .venv/bin/python benchmarks/page_timings.py --repeat 30 --json /tmp/pages.json

``setup_demo --simulated-learners 120`` is the demo at its full size (what ``bin/demo`` loads): two
courses, 240 simulated learners in one team, their answers and learner states. The pages run with
DEBUG off, as in production. A page whose query count grows with the rows it lists runs queries
per row: the team page is timed on the two-member demo team and on the 240-member cohort, so the
two counts say whether it does.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings")
os.environ["DEBUG"] = "0"  # timings as in production (DEBUG would also keep every query in memory)
os.environ.setdefault("SECRET_KEY", "page-timings-only-0123456789-0123456789-0123456789")
os.environ.setdefault("CELERY_BROKER_URL", "filesystem://")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("SESSION_COOKIE_SECURE", "0")
os.environ.setdefault("CSRF_COOKIE_SECURE", "0")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")

SLOW_MS = 300.0  # a page slower than this (median) needs work


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = (len(ordered) - 1) * q
    low, high = int(index), min(int(index) + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (index - low)


def editor_post(question: Any) -> dict[str, Any]:
    """The question editor's form as the browser posts it for a preview, from the stored question."""
    choices = list(question.choices.all())
    data: dict[str, Any] = {
        "key": question.key, "type": question.type, "stem": question.stem, "explanation": question.explanation,
        "difficulty": str(question.difficulty), "skills": [s.pk for s in question.skills.all()],
        "true_false_answer": {True: "true", False: "false", None: ""}[question.true_false_answer],
        "numeric_answer": "" if question.numeric_answer is None else str(question.numeric_answer),
        "numeric_tolerance": str(question.numeric_tolerance), "accepted_answers": "\n".join(question.accepted_answers),
        "choices-TOTAL_FORMS": str(len(choices) + 2), "choices-INITIAL_FORMS": "0",
    }
    for i, choice in enumerate(choices):
        data.update({f"choices-{i}-choice_id": str(choice.pk), f"choices-{i}-text": choice.text,
                     f"choices-{i}-feedback": choice.feedback})
        if choice.is_correct:
            data[f"choices-{i}-is_correct"] = "on"
    return data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=30, help="timed requests per page (default 30)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed requests first (default 3)")
    parser.add_argument("--only", help="time only the pages whose name contains this")
    parser.add_argument("--json", type=Path, help="write the results here")
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings

    # Plain static URLs: the manifest storage of production needs collectstatic, which is beside the point.
    settings.STORAGES = {**settings.STORAGES,
                         "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from lms.accounts.models import Team
    from lms.content.models import Course, Module, Question
    from lms.learning.models import Response

    User = get_user_model()
    try:
        learner = User.objects.get(username="learner")
        manager = User.objects.get(username="manager")
        admin = User.objects.get(username="admin")
    except User.DoesNotExist:
        sys.exit("no demo users: run manage.py setup_demo --simulated-learners 120 first")
    busiest = (User.objects.filter(groups__name="learner").annotate(n=Count("responses")).order_by("-n", "pk").first())
    teams = list(Team.objects.annotate(n=Count("members", distinct=True)).order_by("n", "pk"))
    small, large = teams[0], teams[-1]
    course = Course.objects.annotate(n=Count("modules")).order_by("-n", "pk").first()
    module = Module.objects.filter(course=course).annotate(n=Count("module_questions")).order_by("-n", "pk").first()
    if busiest is None or course is None or module is None or len(teams) < 2:
        sys.exit("the demo has no simulated learners: run setup_demo with --simulated-learners 120")
    question = (Question.objects.filter(module_links__module=module, type__in=Question.CHOICE_TYPES)
                .prefetch_related("choices", "skills").order_by("pk").first())
    assert question is not None
    editor = reverse("authoring_question", args=[module.pk, question.pk])
    htmx = {"HX-Request": "true"}
    team_url = reverse("team_detail", args=[large.slug])
    pages: list[tuple[str, Any, str, str, dict[str, Any], dict[str, str]]] = [
        # name, as whom, method, url, parameters or form, headers
        ("learner home (demo learner)", learner, "get", reverse("dashboard"), {}, {}),
        (f"learner home (busiest: {busiest.n} answers)", busiest, "get", reverse("dashboard"), {}, {}),
        ("this week", manager, "get", reverse("analytics_week"), {}, {}),
        ("this week, everyone", manager, "get", reverse("analytics_week"), {"more": "1"}, {}),
        ("teams", manager, "get", reverse("team_list"), {}, {}),
        (f"team page ({small.n} members)", manager, "get", reverse("team_detail", args=[small.slug]), {}, {}),
        (f"team page ({large.n} members)", manager, "get", team_url, {}, {}),
        ("team page, page 3 by mastery", manager, "get", team_url, {"sort": "mastery", "dir": "desc", "page": 3}, {}),
        ("team page, search", manager, "get", team_url, {"q": "learner 1"}, {}),
        ("author: courses", admin, "get", reverse("authoring_courses"), {}, {}),
        (f"author: course outline ({course.n} modules)", admin, "get", reverse("authoring_course", args=[course.slug]),
         {}, {}),
        ("author: module preview", admin, "get", reverse("module_preview", args=[module.pk]), {}, {}),
        ("author: question editor", admin, "get", editor, {}, {}),
        ("author: live preview (htmx)", admin, "post", editor, editor_post(question), htmx),
        ("author: suggestions poll (htmx)", admin, "get", editor, {"poll": "1"}, htmx),
    ]
    if args.only:
        pages = [page for page in pages if args.only in page[0]]
    total_learners = User.objects.filter(groups__name="learner").count()
    total_responses = Response.objects.count()
    print(f"{total_learners} learners, {total_responses} answers, {Question.objects.count()} questions; "
          f"{args.repeat} requests per page after {args.warmup} warm-up; DEBUG off")
    print(f"{'page':<40} {'as':<9} {'median ms':>9} {'p95 ms':>8} {'queries':>8}")
    results = []
    load_before = os.getloadavg()
    clients: dict[int, Client] = {}
    for name, user, method, url, params, headers in pages:
        client = clients.get(user.pk)
        if client is None:
            client = clients[user.pk] = Client()
            client.force_login(user)
        timings, queries = [], []
        for i in range(args.warmup + args.repeat):
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = getattr(client, method)(url, params, headers=headers)
                elapsed = (time.perf_counter() - started) * 1000
            if response.status_code != 200:
                sys.exit(f"{name}: HTTP {response.status_code} for {method.upper()} {url}")
            if i >= args.warmup:
                timings.append(elapsed)
                queries.append(len(captured.captured_queries))
        role = "learner" if user in (learner, busiest) else user.get_username()
        row = {"page": name, "as": role, "method": method.upper(), "url": url, "params": {
                   k: v for k, v in params.items() if method == "get"},
               "median_ms": round(statistics.median(timings), 1), "p95_ms": round(percentile(timings, 0.95), 1),
               "max_ms": round(max(timings), 1), "queries": int(statistics.median(queries)),
               "queries_max": max(queries), "slow": statistics.median(timings) > SLOW_MS}
        results.append(row)
        print(f"{name:<40} {role:<9} {row['median_ms']:>9.1f} {row['p95_ms']:>8.1f} {row['queries']:>8}"
              + ("  SLOW" if row["slow"] else ""))
    # Other work on the machine slows every page down; the load average says how busy it was.
    load = {"before": [round(v, 2) for v in load_before], "after": [round(v, 2) for v in os.getloadavg()],
            "cpus": os.cpu_count()}
    print(f"load average (1, 5, 15 min) before {load['before']}, after {load['after']}, {load['cpus']} CPUs")
    if args.json:
        args.json.write_text(json.dumps({"learners": total_learners, "responses": total_responses,
                                         "database": connection.vendor, "repeat": args.repeat,
                                         "pages": results, "load_average": load}, indent=2))
        print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
