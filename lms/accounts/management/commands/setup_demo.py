"""Create the demo users and team and load the demo courses. Safe to run again."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from lms.accounts.models import ADMIN, LEARNER, MANAGER, Team
from lms.accounts.services import user_create, user_set_role

User = get_user_model()

DEMO_USERS = [
    # username, password, role, first name, last name
    ("learner", "learn-with-pathwise", LEARNER, "Lena", "Learner"),
    ("learner2", "learn-with-pathwise", LEARNER, "Luis", "Learner"),
    ("manager", "manage-with-pathwise", MANAGER, "Mona", "Manager"),
    ("admin", "admin-with-pathwise", ADMIN, "Adam", "Admin"),
]


class Command(BaseCommand):
    help = "Create demo users (learner, manager, admin), a demo team, and import the demo courses."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--courses", type=Path, default=settings.DEMO_COURSES_DIR,
                            help="Folder holding one course package per sub-folder.")

    def handle(self, *args: Any, courses: Path, **options: Any) -> None:
        from lms.content.packages import PackageInvalid, course_package_import

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
            except PackageInvalid as exc:
                raise CommandError(f"demo course {package.name} is invalid:\n{exc}") from exc
            self.stdout.write(f"{package.name}: {report.summary()}")

        self.stdout.write(self.style.SUCCESS("Demo ready. Sign in at http://127.0.0.1:8000/ with:"))
        for username, password, role, _, _ in DEMO_USERS:
            self.stdout.write(f"  {role:<8} {username:<9} password: {password}")
