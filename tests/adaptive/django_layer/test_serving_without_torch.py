"""The web server never imports torch (PATHWISE_SERVE_WITH_TORCH=0, docs/deployment.md, "The web
tier without torch").

A separate Python process, in which importing torch (or any package that only torch needs: what
requirements.txt adds to requirements-web.txt, the web image's) raises ImportError, loads Django and every URL
and serves a learner's quiz through the pages: the start, an answer, and the next question decided by
the web itself (no worker runs, and the decision deadline is 0). With a skill_elo champion, the web
reads its checkpoint without torch and decides with it; with a champion built on torch, it decides
with the interpretable fallback and leaves the champion unrefused for the workers.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from adaptive.core import create, split_learners
from adaptive.core.learners import SkillEloModel
from adaptive.core.simulate import simulate_learners
from adaptive.models import Decision, ModelVersion
from adaptive.services import model_version_promote, model_version_register
from lms.learning.models import Response
from tests.lms.factories import CourseFactory, ModuleFactory, QuestionFactory, UserFactory, add_to_quiz
from tests.lms.integration import worker as workers

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[3]

# Run in the child: torch and what only torch needs cannot be imported there, as in the web image.
WEB_PROCESS = r'''
import importlib.abc, json, os, sys, uuid

ABSENT = set(json.loads(os.environ["PATHWISE_TEST_ABSENT_MODULES"]))

class NoTorch(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.split(".")[0] in ABSENT:
            raise ImportError(f"the web process imported {name}, which the web image does not install")

sys.meta_path.insert(0, NoTorch())

from lms.wsgi import application  # gunicorn's entry point: loads Django
import lms.urls  # every view and what it imports
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from lms.content.models import Module
from lms.learning.models import QuizAttempt

user_id, module_id = int(sys.argv[1]), int(sys.argv[2])
client = Client(raise_request_exception=True)
client.force_login(get_user_model().objects.get(pk=user_id))
module = Module.objects.select_related("course").get(pk=module_id)
statuses = []
started = client.post(reverse("quiz_start", args=[module.course.slug, module.slug]))
statuses.append(started.status_code)
attempt = QuizAttempt.objects.get(user_id=user_id, module_id=module_id)
statuses.append(client.get(reverse("quiz", args=[attempt.pk])).status_code)
attempt.refresh_from_db()
question = attempt.current_question
right = question.choices.get(is_correct=True)
answered = client.post(reverse("quiz_answer", args=[attempt.pk, question.pk]),
                       {"answer": right.pk, "submission_id": str(uuid.uuid4())})
statuses.append(answered.status_code)
# No worker runs and the deadline is 0: the page asks the web to decide, as htmx would.
statuses.append(client.post(reverse("quiz_decide", args=[attempt.pk])).status_code)
statuses.append(client.get(reverse("quiz", args=[attempt.pk])).status_code)
print(json.dumps({"statuses": statuses, "torch_imported": "torch" in sys.modules}))
'''


def _pins(path: Path) -> set[str]:
    """The distributions a requirements file pins itself (not those of a file it includes)."""
    lines = (line.split("#", 1)[0].strip() for line in path.read_text().splitlines())
    return {re.split(r"[=\[<>~!]", line, maxsplit=1)[0].lower().replace("_", "-")
            for line in lines if line and not line.startswith("-")}


def absent_from_the_web_image() -> list[str]:
    """The top-level modules of what requirements.txt adds to requirements-web.txt (torch and what
    only torch pulls in), as installed here."""
    only_full = _pins(ROOT / "requirements.txt")
    assert only_full and only_full.isdisjoint(_pins(ROOT / "requirements-web.txt"))
    modules = {module for module, dists in importlib.metadata.packages_distributions().items()
               if any(dist.lower().replace("_", "-") in only_full for dist in dists)}
    assert "torch" in modules
    return sorted(modules)


def test_the_web_image_lacks_torch_and_only_that() -> None:
    assert _pins(ROOT / "requirements.txt") == {"torch", "filelock", "fsspec", "jinja2", "markupsafe", "mpmath",
                                                "networkx", "sympy"}
    assert (ROOT / "requirements.txt").read_text().count("-r requirements-web.txt") == 1


def _serve_a_quiz_in_a_web_process(learner_id: int, module_id: int) -> dict:
    env = {
        "PATHWISE_TEST_ABSENT_MODULES": json.dumps(absent_from_the_web_image()),
        **os.environ,
        "DATABASE_URL": workers.test_database_url(),
        "DJANGO_SETTINGS_MODULE": "lms.settings_test",
        "PATHWISE_MODEL_DIR": str(settings.PATHWISE_MODEL_DIR),
        "PATHWISE_SERVE_WITH_TORCH": "0",
        "PATHWISE_DECISION_DEADLINE_S": "0",
    }
    done = subprocess.run([sys.executable, "-c", WEB_PROCESS, str(learner_id), str(module_id)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"the web process failed:\n{done.stderr[-4000:]}"
    return json.loads(done.stdout.strip().splitlines()[-1])


def _quiz() -> tuple[int, int]:
    module = ModuleFactory(course=CourseFactory())
    add_to_quiz(module, *[QuestionFactory() for _ in range(4)])
    return UserFactory(role="learner").pk, module.pk


def _register(model_path: Path) -> ModelVersion:
    return model_version_register(artifact=model_path)


def test_it_serves_a_skill_elo_champion_without_importing_torch(tmp_path: Path) -> None:
    learner_id, module_id = _quiz()
    champion = model_version_promote(version=_register(SkillEloModel().save(tmp_path / "skill_elo.pt")))

    result = _serve_a_quiz_in_a_web_process(learner_id, module_id)

    assert result == {"statuses": [302, 200, 302, 302, 200], "torch_imported": False}
    answer = Response.objects.get(user_id=learner_id)
    decision = Decision.objects.get(response_id=answer.pk, kind=Decision.QUESTION)
    assert decision.source == Decision.WEB, "no worker runs: the web decided"
    assert decision.model_version_id == champion.pk, "with the champion, read without torch"


def test_it_decides_with_the_fallback_while_the_champion_needs_torch(tmp_path: Path) -> None:
    learner_id, module_id = _quiz()
    log = simulate_learners(n_learners=40, n_items=10, n_skills=2, seed=2).log
    train, valid = split_learners(log, 0.2, seed=0)
    gru = create("gru", hidden_size=8, max_epochs=1).fit(train, valid, device="cpu", seed=0)
    version = _register(gru.save(tmp_path / "gru.pt"))
    ModelVersion.objects.filter(pk=version.pk).update(status=ModelVersion.CHAMPION)  # as if promoted

    result = _serve_a_quiz_in_a_web_process(learner_id, module_id)

    assert result == {"statuses": [302, 200, 302, 302, 200], "torch_imported": False}
    answer = Response.objects.get(user_id=learner_id)
    decision = Decision.objects.get(response_id=answer.pk, kind=Decision.QUESTION)
    assert decision.source == Decision.WEB and decision.model_version_id is None, "the interpretable fallback"
    version.refresh_from_db()
    assert version.status == ModelVersion.CHAMPION and not version.load_error, "the workers' champion is not refused"
