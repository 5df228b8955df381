"""Create the demo users and team and load the demo courses. Safe to run again."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from adaptive.models import ModelVersion
from adaptive.registry import ModelRefused
from adaptive.services import (
    learner_state_advance,
    model_version_promote,
    model_version_register,
)
from lms.accounts.models import ADMIN, LEARNER, MANAGER, Team
from lms.accounts.services import user_create, user_set_role
from lms.analytics.services import analytics_refresh
from lms.content.importing import ImportInvalid
from lms.content.models import Course
from lms.content.packages.writing import course_package_import
from lms.content.services import course_save
from lms.learning.models import Enrollment
from lms.learning.services import enrollment_create, enrollment_refresh_progress
from lms.learning.simulation import simulate_course_activity

User = get_user_model()

DEMO_USERS = [
    # username, password, role, first name, last name
    ("learner", "learn-with-pathwise", LEARNER, "Lena", "Learner"),
    ("learner2", "learn-with-pathwise", LEARNER, "Luis", "Learner"),
    ("manager", "manage-with-pathwise", MANAGER, "Mona", "Manager"),
    ("admin", "admin-with-pathwise", ADMIN, "Adam", "Admin"),
]
# With simulated learners, this share of them (and of later enrolments) follows the fixed course
# order, so the "adaptive vs fixed" dashboard has two groups to compare from the first view.
DEMO_CONTROL_SHARE = 0.2


class Command(BaseCommand):
    help = "Create demo users (learner, manager, admin), a demo team, and import the demo courses."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--courses", type=Path, default=settings.DEMO_COURSES_DIR,
                            help="Folder holding one course package per sub-folder.")
        parser.add_argument("--simulated-learners", type=int, default=0,
                            help="Simulated learners per course (team 'Simulated cohort') whose activity fills "
                                 "the dashboards (bin/demo uses 120).")

    def handle(self, *args: Any, courses: Path, simulated_learners: int, **options: Any) -> None:

        with transaction.atomic():
            users = {}
            for username, password, role, first, last in DEMO_USERS:
                user = User.objects.filter(username=username).first()
                if user is None:
                    user = user_create(username=username, password=password, role=role, first_name=first,
                                       last_name=last, email=f"{username}@example.org")
                else:
                    user_set_role(user=user, role=role)
                users[username] = user
            team, _ = Team.objects.get_or_create(slug="demo-team", defaults={"name": "Demo team"})
            team.members.add(users["learner"], users["learner2"])
            team.managers.add(users["manager"])

        packages = sorted(p for p in Path(courses).iterdir() if (p / "course.yaml").exists()) if Path(courses).is_dir() else []
        if not packages:
            raise CommandError(f"no course packages found in {courses}")
        for package in packages:
            try:
                report = course_package_import(path=package)
            except ImportInvalid as exc:
                raise CommandError(f"demo course {package.name} is invalid:\n{exc}") from exc
            self.stdout.write(f"{package.name}: {report.summary()}")

        self._serve_shipped_model()
        if simulated_learners:
            self._simulate(simulated_learners, users["manager"])
        self.stdout.write(self.style.SUCCESS("Demo ready. Sign in with:"))
        for username, password, role, _, _ in DEMO_USERS:
            self.stdout.write(f"  {role:<8} {username:<9} password: {password}")

    def _serve_shipped_model(self) -> None:
        """Serve the meta-learned prior shipped with Pathwise from the first answer (it must pass the
        invariants on the courses just loaded; otherwise the interpretable fallback serves)."""

        if ModelVersion.objects.exists():
            return
        if not settings.PATHWISE_SHIPPED_MODEL.exists():
            self.stdout.write(f"No shipped learner model at {settings.PATHWISE_SHIPPED_MODEL}; the built-in fallback model serves.")
            return
        version = model_version_register(artifact=settings.PATHWISE_SHIPPED_MODEL, note="The meta-learned prior shipped with Pathwise.",
                                         training_data={"source": f"shipped: {settings.PATHWISE_SHIPPED_MODEL.name}"})
        try:
            model_version_promote(version=version)
        except ModelRefused as exc:
            self.stdout.write(self.style.WARNING(f"The shipped learner model was refused ({exc}); the built-in "
                                                 "fallback model serves."))
            return
        self.stdout.write(f"Learner model: the shipped meta-learned prior serves (version {version.pk}).")

    def _simulate(self, learners: int, manager: Any) -> None:
        """Give the demo a history: simulated learners (marked as such) whose answers fill the dashboards."""

        team, created = Team.objects.get_or_create(slug="simulated-cohort", defaults={"name": "Simulated cohort"})
        team.managers.add(manager)
        courses = list(Course.objects.filter(published=True).order_by("slug"))
        for course in courses:  # again on each run: importing the package again resets it
            if not course.control_share:
                course_save(course=course, data={"control_share": DEMO_CONTROL_SHARE})
            for username in ("learner", "learner2"):  # the demo's own learners see adaptive paths
                enrollment_create(user=User.objects.get(username=username), course=course, path=Enrollment.ADAPTIVE)
        if created:
            for index, course in enumerate(courses):
                count = simulate_course_activity(course=course, learners=learners, seed=index, days=45,
                                                 username_prefix=f"sim-{course.slug[:12]}", team=team,
                                                 fixed_share=course.control_share)
                fixed = Enrollment.objects.filter(course=course, path=Enrollment.FIXED,
                                                  user__username__startswith="sim-").count()
                self.stdout.write(f"{course.slug}: {count} simulated answers from {learners} simulated learners "
                                  f"({fixed} on the fixed course order)")
            self._catch_up(team)

    def _catch_up(self, team: Any) -> None:
        """Do now what the workers do after each answer (progress, learner states) and what beat does
        every few minutes (the dashboards' rollups), so every page agrees from the first view."""

        enrollments = list(Enrollment.objects.filter(user__teams=team).values_list("pk", "user_id"))
        for enrollment_id, _ in enrollments:
            enrollment_refresh_progress(enrollment_id=enrollment_id)
        for user_id in sorted({user_id for _, user_id in enrollments}):
            learner_state_advance(user_id=user_id)
        analytics_refresh()
