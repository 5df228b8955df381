"""Suggested skills are worked out by a real worker process, fed through the real broker, once the
question's save commits; the editor shows them when they are stored."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.urls import reverse

from lms.content.models import Question, SkillSuggestion
from lms.content.selectors import question_text_fingerprint
from lms.content.services import question_save
from tests.lms.conftest import client_for
from tests.lms.content.test_skill_suggestions import VOCABULARY, tagged_bank
from tests.lms.factories import CourseFactory, ModuleFactory, add_to_quiz
from tests.lms.integration.worker import running_worker, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_a_worker_stores_the_suggestions_of_a_saved_question(people) -> None:
    tagged_bank()
    module = ModuleFactory(course=CourseFactory())
    words = VOCABULARY["spread"]
    with running_worker(queues="default"):
        with transaction.atomic():
            question = question_save(question=None, data={
                "key": "spread-new", "type": Question.TRUE_FALSE, "true_false_answer": True,
                "stem": f"The {words[0]} shows how far apart the values are.",
                "explanation": f"The {words[1]} and the {words[6]} matter.", "difficulty": 2})
            add_to_quiz(module, question)

        def stored() -> bool:
            question.refresh_from_db()
            return question.skills_suggested_for == question_text_fingerprint(question)

        wait_for(stored, what="the worker to store the suggested skills")
    best = SkillSuggestion.objects.get(question=question, rank=1)
    assert (best.skill.slug, best.status, best.source) == ("spread", "pending", "question_saved")
    editor = reverse("authoring_question", args=[module.pk, question.pk])
    html = client_for(people.admin).get(editor).content.decode()
    assert "being worked out" not in html and "<li>Spread <span" in html
