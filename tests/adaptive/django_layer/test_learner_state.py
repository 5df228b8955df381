from __future__ import annotations

import uuid

from adaptive.models import LearnerState
from adaptive.selectors import primary_skills
from adaptive.services import learner_state_advance, model_version_promote, model_version_train
from lms.learning.models import Response
from lms.learning.services import response_submit


def _learner_with_responses():
    return Response.objects.order_by("user_id").values_list("user_id", flat=True).first()


def test_before_any_model_the_fallback_traces_the_learner(course_with_activity) -> None:
    user_id = _learner_with_responses()
    row = learner_state_advance(user_id=user_id)
    assert row.model_version is None, "the built-in fallback is no registered version"
    assert row.responses_seen == Response.objects.filter(user_id=user_id).count()
    assert row.mastery and all(0 < m < 1 for m in row.mastery.values())


def test_it_applies_each_response_once(course_with_activity) -> None:
    version = model_version_promote(version=model_version_train(model_name="skill_elo", promote=False).version)
    user_id = _learner_with_responses()
    first = learner_state_advance(user_id=user_id)
    count = Response.objects.filter(user_id=user_id).count()
    assert first.model_version_id == version.pk
    assert first.responses_seen == count
    assert first.last_response_id == Response.objects.filter(user_id=user_id).latest("id").id
    assert first.mastery and all(0 < m < 1 for m in first.mastery.values())
    snapshot = bytes(first.state)

    again = learner_state_advance(user_id=user_id)
    assert bytes(again.state) == snapshot and again.responses_seen == count, "a repeat changes nothing"


def test_it_updates_mastery_online_with_a_new_answer(course_with_activity) -> None:
    model_version_promote(version=model_version_train(model_name="skill_elo", promote=False).version)
    user_id = _learner_with_responses()
    before = learner_state_advance(user_id=user_id)
    last = Response.objects.filter(user_id=user_id).latest("id")
    question = last.question
    skill = primary_skills([question.pk])[question.pk]
    right = question.choices.filter(is_correct=True).first() if question.choices.exists() else None
    answer = right.pk if right else (question.numeric_answer if question.type == "numeric"
                                     else question.true_false_answer if question.type == "true_false"
                                     else question.accepted_answers[0])
    response_submit(user=last.user, question=question, module=last.module, answer=answer, submission_id=uuid.uuid4())
    after = learner_state_advance(user_id=user_id)
    assert after.responses_seen == before.responses_seen + 1
    assert after.mastery[skill] != before.mastery[skill]
    assert after.last_response_id > before.last_response_id


def test_it_rebuilds_the_state_for_a_new_champion(course_with_activity) -> None:
    model_version_promote(version=model_version_train(model_name="skill_elo", promote=False).version)
    user_id = _learner_with_responses()
    learner_state_advance(user_id=user_id)
    newer = model_version_train(model_name="skill_elo", promote=False, drift=0.3, search=False).version
    model_version_promote(version=newer)
    from adaptive import registry

    registry.forget()
    row = learner_state_advance(user_id=user_id)
    assert row.model_version_id == newer.pk
    assert row.responses_seen == Response.objects.filter(user_id=user_id).count()
    assert LearnerState.objects.count() == 1
