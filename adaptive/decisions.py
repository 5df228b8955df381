"""Adaptive decisions in the product: the next question of a quiz and the next module of a course.

The worker makes them right after updating a learner's state (``lms.learning.services.response_process``);
the web makes the next question itself, from the last stored state, when the worker is late or down.
Each decision is stored with its candidates, model version and reason; one per answer and kind, so
when the worker and the web race, the first one stored is the one the learner sees. What a decision
changes in the quiz (its next question, its end) is written by ``lms.learning``, which owns the quiz:
this module writes only decisions.
"""

from __future__ import annotations

import logging
from collections.abc import Hashable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from adaptive import registry
from adaptive.core.learners import LearnerModel, State, state_from_bytes
from adaptive.core.policy import (
    Assignment as PolicyAssignment,
)
from adaptive.core.policy import (
    ModuleCandidate,
    QuestionCandidate,
    ScoredCandidate,
    choose_next_module,
    choose_next_question,
    next_in_order,
)
from adaptive.models import Decision, LearnerState, ModelVersion
from adaptive.records import AttemptAnswer, ModuleStanding, Quiz, learning_records
from adaptive.selectors import item_id
from adaptive.signals import decision_stored
from adaptive.structure import course_structure
from lms.content.models import Course
from lms.db import insert_unless_duplicate

logger = logging.getLogger(__name__)

PLACEMENT_TARGET = 0.5  # a question the learner is as likely to get right as wrong tells the most
#: How long a stored module recommendation stands. An older one was made in an earlier sitting: with
#: a model that sees time it is made again, for now, when the learner comes back.
RECOMMENDATION_STANDS = timedelta(hours=1)


@dataclass(frozen=True)
class Belief:
    """What the decision is based on: a model and a learner state, or nothing (course order)."""

    model: LearnerModel | None
    state: State | None
    version: ModelVersion | None


def belief_from_row(row: LearnerState | None, loaded: registry.LoadedModel | None = None) -> Belief:
    """The champion (``loaded``, or looked up) with the learner's stored state (the prior when there
    is none yet)."""
    loaded = loaded or registry.serving()
    if row is not None and row.model_version_id == loaded.version_id and row.state:
        state = getattr(row, "decoded_state", None)  # set when the row was just advanced
        return Belief(loaded.model, state if state is not None else state_from_bytes(bytes(row.state)),
                      loaded.version)
    return Belief(loaded.model, loaded.model.init_state(), loaded.version)


def belief_for_learner(user_id: int) -> Belief:
    """The champion with the learner's last stored state."""
    return belief_from_row(LearnerState.objects.filter(user_id=user_id).first())


def _decision_key(response_id: int, kind: str) -> str:
    return f"adaptive:decision:{kind}:{response_id}"


def _pk(chosen: Hashable) -> int:
    """A question or module the policy handed back: one of the primary keys it was given."""
    if not isinstance(chosen, int):
        raise TypeError(f"the policy chose {chosen!r}, which is not one of the primary keys it was given")
    return chosen


def _scored_json(scored: tuple[ScoredCandidate, ...], limit: int = 20) -> list[dict[str, Any]]:
    return [{"id": c.id, "score": c.score, **c.detail} for c in scored[:limit]]


def _store(decision: Decision) -> Decision:
    """Store a decision unless one for the same answer and kind exists; return the stored one.

    The cache mark that the web process waits for is set once the decision is committed, so
    whoever sees the mark also finds the row.
    """
    response_id = decision.response_id
    if response_id is None:
        decision.save()
        return decision
    if not insert_unless_duplicate(decision):
        decision = Decision.objects.get(response_id=response_id, kind=decision.kind)
    else:
        decision_stored.send(sender=Decision, decision=decision)
    key, pk = _decision_key(response_id, decision.kind), decision.pk
    transaction.on_commit(lambda: cache.set(key, pk, timeout=3600))
    return decision


# ----- the next question ------------------------------------------------------------------------
def decide_question(attempt: Quiz, belief: Belief, *, answers: list[AttemptAnswer], source: str,
                    fixed: bool | None = None, mastery: dict[str, float] | None = None) -> Decision:
    """Choose (and store) what comes after the latest of ``answers`` (the quiz ``attempt``'s answers so
    far, oldest first; none at the start): a question, or the end.

    ``fixed`` (the learner follows the course order) is read from the database unless the caller
    already has it; ``mastery`` is the predicted success per skill from the same state (any skills;
    those of the module are used), computed here unless given.
    """
    asked = [answer.question_id for answer in answers]
    response_id = answers[-1].response_id if answers else None
    course = attempt.course
    cap = attempt.max_questions
    base = {"user_id": attempt.user_id, "kind": Decision.QUESTION, "course": course, "response_id": response_id,
            "quiz_attempt_id": attempt.id, "source": source, "model_version": belief.version}
    if cap is not None and len(asked) >= cap:
        return _store(Decision(**base, stop="pool_exhausted",
                               reason=f"That was the last of {cap} placement questions.", reason_code="placement_last"))
    pool = [qid for qid in attempt.question_ids if qid not in set(asked)]
    if not pool:
        return _store(Decision(**base, stop="pool_exhausted", reason="You have answered every question in this quiz.",
                               reason_code="quiz_all_answered"))

    if fixed is None:
        fixed = learning_records().follows_course_order(attempt.user_id, attempt.course_id)
    if belief.model is None or fixed:
        why = ("This course follows a fixed order for you." if belief.model is not None
               else "No learner model is trained yet, so questions follow the module's order.")
        return _question_in_order(base, pool[0], why)

    model, state = belief.model, belief.state
    assert state is not None
    structure = course_structure(course)
    ids = [q for q in attempt.question_ids if q in structure.question_keys]
    now = timezone.now()  # a model that sees elapsed time predicts what the learner still knows now
    predicted = model.predict(state, [item_id(structure.question_keys[q]) for q in ids], at=now,
                              infos=[structure.info(q) for q in ids])
    if not registry.outputs_finite(predicted, what=f"the questions of user {attempt.user_id}", version=belief.version):
        return _question_in_order(base, pool[0], _NO_FINITE_PREDICTION)
    candidates = [QuestionCandidate(q, float(p), structure.question_skills.get(q, ())) for q, p in zip(ids, predicted)]
    names = structure.skill_names
    if attempt.is_placement:
        covered = {structure.primary(q) for q in asked}
        fresh_skills = [c for c, q in zip(candidates, ids) if q not in set(asked) and structure.primary(q) not in covered]
        decision = choose_next_question(fresh_skills or candidates, asked=asked, module_mastery={},
                                        skill_names=names, target_success=PLACEMENT_TARGET, min_questions=10**6)
        chosen_p = next((c.predicted for c in candidates if c.id == decision.question), 0.5)
        chosen = None if decision.question is None else structure.primary(_pk(decision.question))
        skill_name = names.get(chosen or "", "a new skill")
        reason = (f"A placement question on {skill_name}: predicted {chosen_p:.0%}, as informative as a "
                  "question can be.") if decision.question else decision.reason
        code, params = ("placement", {"skill": skill_name}) if decision.question else (decision.code, decision.params)
    else:
        module_id = attempt.module_id  # a module's quiz (only a placement has none)
        module_skills = list(structure.module_skills.get(module_id, ())) if module_id is not None else []
        if mastery is None or not set(module_skills) <= set(mastery):
            mastery = dict(zip(module_skills, map(float, model.predict_skills(state, module_skills, at=now))))
        mastery = {skill: mastery[skill] for skill in module_skills}  # the quiz ends on its module's skills
        if not registry.outputs_finite(mastery.values(), what=f"the mastery of user {attempt.user_id}",
                                       version=belief.version):
            return _question_in_order(base, pool[0], _NO_FINITE_PREDICTION)
        decision = choose_next_question(
            candidates, asked=asked, module_mastery=mastery, skill_names=names,
            target_success=course.target_success, mastery_threshold=course.mastery_threshold,
        )
        reason, code, params = decision.reason, decision.code, decision.params
    question_id = None if decision.question is None else _pk(decision.question)
    return _store(Decision(**base, question_id=question_id, stop=decision.stop or "", reason=reason[:300],
                           reason_code=code, reason_params=dict(params), candidates=_scored_json(decision.candidates)))


_NO_FINITE_PREDICTION = "The learner model gave no usable prediction for you."


def _question_in_order(base: dict[str, Any], question_id: int, why: str) -> Decision:
    """The next question in the module's order: without a model, in a course that follows a fixed
    order, or when the model gives a prediction that is not a number."""
    return _store(Decision(**{**base, "model_version": None}, question_id=question_id,
                           reason=f"Next question in the module's order. {why}", reason_code="question_in_order"))


def question_decision(response_id: int) -> Decision | None:
    """The stored decision on what follows the answer ``response_id`` in its quiz, if made yet."""
    return Decision.objects.filter(response_id=response_id, kind=Decision.QUESTION).select_related("question").first()


def question_decision_marked(response_id: int) -> bool:
    """Whether the decision after ``response_id`` was marked committed in the shared cache: a poll
    that finds no mark spares the database."""
    return cache.get(_decision_key(response_id, Decision.QUESTION)) is not None


def latest_question_decision(attempt: Quiz) -> Decision | None:
    return Decision.objects.filter(quiz_attempt_id=attempt.id, kind=Decision.QUESTION).order_by("-id").first()


# ----- the next module --------------------------------------------------------------------------
def module_candidates(course: Course, standing: ModuleStanding) -> list[ModuleCandidate]:
    """The course's modules for the policy, each marked completed or not and with when the learner
    last finished its quiz (``last_studied``, for reviews once the course is done)."""
    return [replace(m, completed=m.id in standing.completed, last_studied=standing.last_studied.get(_pk(m.id)))
            for m in course_structure(course).modules]


def assignments_for(standing: ModuleStanding) -> list[PolicyAssignment]:
    """The learner's assignments in the course, one per module (the earliest due date wins)."""
    result: dict[int, PolicyAssignment] = {}
    for module_id, due in standing.assigned:
        when = timezone.make_aware(datetime.combine(due, datetime.min.time())) if due else None
        known = result.get(module_id)
        if known is None or (when and (known.due is None or when < known.due)):
            result[module_id] = PolicyAssignment(module_id, when)
    return list(result.values())


def decide_module(user_id: int, course: Course, belief: Belief, *, mastery: dict[str, float] | None,
                  peak: dict[str, float] | None, response_id: int | None, source: str,
                  fixed: bool | None = None, standing: ModuleStanding | None = None, store: bool = True) -> Decision:
    """Choose (and store) the module to recommend next in ``course`` (after the answer ``response_id``,
    if any); ``standing`` is read unless the caller has it. ``store=False`` returns the decision
    unsaved, for a reader that must not write (an API GET).

    With a model, the learner's latest finished quizzes (``standing.history``) let the policy notice
    a learner going round in circles; the decision stores the mastery of the course's skills it was
    made from, which is how a later decision knows whether those quizzes brought any progress.
    """
    standing = standing or learning_records().module_standing(user_id, course.pk)
    candidates = module_candidates(course, standing)
    assigned = assignments_for(standing)
    if fixed is None:
        fixed = learning_records().follows_course_order(user_id, course.pk)
    structure = course_structure(course)
    names = structure.skill_names
    seen: dict[str, float] = {}
    if (belief.model is None or mastery is None or fixed
            or not registry.outputs_finite(mastery.values(), what=f"the mastery of user {user_id}",
                                           version=belief.version)):
        decision = choose_next_module(candidates, mastery={}, assignments=assigned, skill_names=names,
                                      mastery_threshold=course.mastery_threshold) if assigned else next_in_order(candidates)
        version = None
    else:
        threshold = course.mastery_threshold
        previously = {s for s, value in (peak or {}).items() if value >= threshold}
        decision = choose_next_module(candidates, mastery=mastery, previously_mastered=previously,
                                      assignments=assigned, history=standing.history, skill_names=names,
                                      mastery_threshold=threshold, practice=standing.practice)
        version = belief.version
        seen = {s: round(float(mastery[s]), 4) for s in structure.skills if s in mastery}
    made = Decision(
        user_id=user_id, kind=Decision.MODULE, course=course, response_id=response_id,
        module_id=None if decision.module is None else _pk(decision.module),
        decision_kind=decision.kind, reason=decision.reason[:300], reason_code=decision.code,
        reason_params=dict(decision.params), candidates=_scored_json(decision.candidates),
        mastery=seen, model_version=version, source=source,
    )
    return _store(made) if store else made


def recommended_module(user_id: int, course: Course, *, now: datetime | None = None) -> Decision:
    """The latest stored module recommendation, or one made now from the stored state. A read: one
    made now is returned unsaved (no ``pk``, no ``created``); recommendations are stored by the worker
    after each answer and by the writes that change them (an assignment), never by a page view.

    The stored one stands while its module is still to do (or it is a review, or the course is
    done). When it is older than ``RECOMMENDATION_STANDS`` and the champion sees time, it is made
    again with the mastery the model predicts for ``now`` (default: the present): the stored mastery
    is as of the learner's last answer, so a skill mastered then that has slipped during the days
    away comes back as a spaced review when the learner returns, not after their next answer.
    """
    now = now or timezone.now()
    latest = Decision.objects.filter(user_id=user_id, course=course, kind=Decision.MODULE).select_related(
        "module").first()
    standing = learning_records().module_standing(user_id, course.pk)
    stands = latest is not None and (latest.module_id is None or latest.module_id not in standing.completed
                                     or latest.decision_kind == "review")
    if latest is not None and stands and now - latest.created < RECOMMENDATION_STANDS:
        return latest
    row = LearnerState.objects.filter(user_id=user_id).first()
    belief = belief_from_row(row)
    evidence = (row is not None and bool(row.state) and belief.model is not None
                and row.model_version_id == (belief.version.pk if belief.version is not None else None))
    model = belief.model
    if latest is not None and stands and not (evidence and model is not None and model.uses_time):
        return latest
    mastery = dict(row.mastery) if row else None
    no_answers = row is None or not row.state
    if model is not None and belief.state is not None and (no_answers or (evidence and model.uses_time)):
        # Mastery for now: from the model's meta-learned prior for a learner with no answers yet, or
        # from the learner's state with a model that sees time (forgetting since the last answer).
        skills = list(course_structure(course).skills)
        mastery = dict(zip(skills, map(float, model.predict_skills(belief.state, skills, at=now))))
    return decide_module(user_id, course, belief, mastery=mastery,
                         peak=dict(row.peak_mastery) if row else None, response_id=None, source=Decision.WEB,
                         standing=standing, store=False)

