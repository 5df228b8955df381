"""Time every dashboard page: p50 and p95 over repeated requests, as a manager of the largest team
and as an admin, through Django's test client (the whole view, templates and queries; no network).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pathwise_scale SECRET_KEY=bench \\
        .venv/bin/python benchmarks/dashboard_latency.py --repeat 30 --json /tmp/latency.json

Run ``manage.py seed_scale`` on that database first. The learner drill-down is timed on a different
learner for each request (and other learners for the admin than for the manager), so its on-demand
replay through the learner model is never served from a warm cache.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("SESSION_COOKIE_SECURE", "0")
os.environ.setdefault("CSRF_COOKIE_SECURE", "0")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = (len(ordered) - 1) * q
    low, high = int(index), min(int(index) + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (index - low)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--json", type=Path, help="Write the results here.")
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings

    # Plain static URLs: the manifest storage of production needs collectstatic, which is beside the point.
    settings.STORAGES = {**settings.STORAGES,
                         "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    from django.contrib.auth import get_user_model
    from django.db.models import Count
    from django.test import Client
    from django.urls import reverse

    from lms.accounts.models import Team
    from lms.accounts.roles import is_admin
    from lms.content.models import Course
    from lms.learning.models import Response

    User = get_user_model()
    team = Team.objects.annotate(n=Count("members")).order_by("-n", "pk").first()
    if team is None:
        sys.exit("no teams: run manage.py seed_scale first")
    manager = team.managers.first()
    admin = next(u for u in User.objects.filter(groups__name="admin").order_by("pk")[:5] if is_admin(u))
    course = Course.objects.annotate(n=Count("enrollments")).order_by("-n").first()
    skill = course.skills.order_by("slug").first() if course else None
    learners = list(team.members.filter(responses__isnull=False).distinct().order_by("pk")
                    .values_list("pk", flat=True)[: 2 * (args.repeat + args.warmup)])
    from django.utils import timezone

    month = {"start": (timezone.localdate() - timedelta(days=30)).isoformat()}
    pages = [
        ("overview", reverse("analytics_overview"), {}),
        ("overview, team + course + 30 days", reverse("analytics_overview"),
         {"team": team.slug, "course": course.slug, **month}),
        ("overview, all time", reverse("analytics_overview"), {"start": "2000-01-01"}),
        ("heatmap", reverse("analytics_heatmap"), {"course": course.slug}),
        ("heatmap, sorted by a skill", reverse("analytics_heatmap"),
         {"course": course.slug, "sort": skill.slug if skill else "name", "dir": "desc", "page": 3}),
        ("heatmap, htmx fragment", reverse("analytics_heatmap"), {"course": course.slug, "sort": "mastery"}),
        ("at risk", reverse("analytics_at_risk"), {}),
        ("content quality", reverse("analytics_content"), {"course": course.slug}),
        ("adaptive vs fixed", reverse("analytics_compare"), {"course": course.slug}),
        ("model health", reverse("analytics_model"), {}),
        ("learner drill-down", None, {}),
    ]
    total_learners = User.objects.filter(groups__name="learner").count()
    total_responses = Response.objects.count()
    results = []
    load_before = os.getloadavg()
    print(f"{total_learners} learners, {total_responses} answers; team {team.name} ({team.n} learners), "
          f"course {course.title}; {args.repeat} requests per page after {args.warmup} warm-up")
    print(f"{'as':<8} {'page':<34} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    per_role = args.repeat + args.warmup
    for offset, (role, user) in enumerate((("manager", manager), ("admin", admin))):
        client = Client()
        client.force_login(user)
        for name, url, params in pages:
            headers = {"HX-Request": "true"} if "htmx" in name else {}
            timings = []
            for i in range(args.warmup + args.repeat):
                # Each drill-down request opens another learner, so nothing comes from a warm cache.
                target = url or reverse("analytics_learner", args=[learners[(offset * per_role + i) % len(learners)]])
                started = time.perf_counter()
                response = client.get(target, params, headers=headers)
                elapsed = (time.perf_counter() - started) * 1000
                if response.status_code != 200:
                    sys.exit(f"{name}: HTTP {response.status_code} for {target}")
                if i >= args.warmup:
                    timings.append(elapsed)
            row = {"name": f"{name} ({role})", "p50_ms": round(statistics.median(timings), 1),
                   "p95_ms": round(percentile(timings, 0.95), 1), "max_ms": round(max(timings), 1)}
            results.append(row)
            print(f"{role:<8} {name:<34} {row['p50_ms']:>8.1f} {row['p95_ms']:>8.1f} {row['max_ms']:>8.1f}")
    # Other work on the machine slows every page down; the load average says how busy it was.
    load = {"before": [round(v, 2) for v in load_before], "after": [round(v, 2) for v in os.getloadavg()],
            "cpus": os.cpu_count()}
    print(f"load average (1, 5, 15 min) before {load['before']}, after {load['after']}, {load['cpus']} CPUs")
    if args.json:
        args.json.write_text(json.dumps({"learners": total_learners, "responses": total_responses,
                                         "pages": results, "load_average": load}, indent=2))
        print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
