"""Use cases of the adaptive layer: train a candidate, promote or roll back, keep learner states."""

from __future__ import annotations

import logging
import math
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from django.conf import settings
from django.contrib.auth.models import User
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from adaptive import registry
from adaptive.core.data import ResponseLog, read_log, split_learners_stably
from adaptive.core.evaluate import compare_paired, evaluate
from adaptive.core.learners import (
    LearnerModel,
    SkillEloModel,
    load,
    resolve_device,
    state_from_bytes,
    state_to_bytes,
)
from adaptive.core.meta import adapt
from adaptive.core.train import metrics_path, train_model
from adaptive.decisions import Belief, belief_from_row, decide_module, decide_question
from adaptive.models import Assignment, Decision, LearnerState, ModelVersion, TrainingRun
from adaptive.records import AttemptAnswer, Quiz, learning_records
from adaptive.selectors import (
    item_catalogue,
    item_id,
    learner_state_for_update,
    primary_skills,
    response_log,
    skill_prerequisites,
)
from adaptive.signals import mastery_changed
from adaptive.storage import model_storage
from adaptive.structure import course_structure
from lms.accounts.selectors import can_view_learner, teams_visible_to
from lms.content.models import Course
from lms.db import save_fields
from lms.queueing import publish_on_commit

logger = logging.getLogger(__name__)


class NotEnoughData(Exception):
    """Too few responses or learners to train and evaluate a model honestly."""


@dataclass(frozen=True)
class TrainingResult:
    version: ModelVersion
    promoted: bool
    note: str


def _json_metrics(metrics: dict[str, Any]) -> dict[str, Any]:
    """Metrics as JSON-safe values (NaN and infinities become None)."""
    def clean(value: Any) -> Any:
        if isinstance(value, dict):
            return {str(k): clean(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [clean(v) for v in value]
        if isinstance(value, float):
            return value if math.isfinite(value) else None
        if hasattr(value, "item"):
            return clean(value.item())
        return value
    cleaned: dict[str, Any] = clean(metrics)
    return cleaned


def model_version_train(
    *,
    model_name: str | None = None,
    source: Path | None = None,
    device: str | None = None,
    holdout_fraction: float = 0.2,
    valid_fraction: float = 0.15,
    seed: int = 0,
    promote: bool = True,
    min_learners: int = 20,
    progress: Callable[[float, str], None] | None = None,
    show_progress_bar: bool = False,
    **config_overrides: Any,
) -> TrainingResult:
    """Train a candidate on the product's responses (or a file), evaluate it on held-out learners,
    register it, and promote it if it beats the model serving now on the same learners.

    Held-out learners are chosen by a hash of the learner (``split_learners_stably``), so they stay
    held out as the log grows, and are never used for training or early stopping. The comparison is
    paired, over those learners, against the model that serves now (the champion, or the fallback):
    see :func:`adaptive.core.evaluate.compare_paired`. A candidate that wins still has to pass the
    invariants to be promoted (:func:`model_version_promote`).
    """
    name = model_name or settings.PATHWISE_LEARNER_MODEL
    report = progress or (lambda fraction, message: None)
    report(0.05, "exporting responses")
    log: ResponseLog = read_log(source) if source else response_log()
    if log.n_learners < min_learners:
        raise NotEnoughData(f"{log.n_learners} learners with responses; at least {min_learners} are needed")
    try:
        rest, holdout = split_learners_stably(log, holdout_fraction, salt="pathwise-holdout")
        train, valid = split_learners_stably(rest, valid_fraction, salt=f"pathwise-valid-{seed}")
    except ValueError as exc:
        raise NotEnoughData(str(exc)) from exc
    catalogue = item_catalogue() if not source else {}
    resolved = str(resolve_device(device or settings.PATHWISE_TRAINING_DEVICE))
    report(0.15, f"training {name} on {train.n_learners} learners ({resolved})")
    artifact = f"{name}-{timezone.now():%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:6]}.pt"
    shipped = Path(settings.PATHWISE_SHIPPED_MODEL)
    with tempfile.TemporaryDirectory(prefix="pathwise-checkpoint-") as scratch:
        path = Path(scratch) / artifact
        if name == "skill_elo" and not source and not config_overrides and shipped.exists():
            # Fast adaptation of the meta-learned initialisation to this installation's answers.
            prior = load(shipped)
            if not isinstance(prior, SkillEloModel):
                raise ValueError(f"{shipped} holds a {prior.name} model; the meta-learned prior is a skill_elo model")
            model: LearnerModel = adapt(prior, train, catalogue, prerequisites=skill_prerequisites(), seed=seed)
            model.training_info.update({"adapted_from": shipped.name, "train_responses": len(train), "seed": seed})
            model.save(path)
        else:
            model = train_model(name, train, valid, device=resolved, seed=seed, checkpoint_path=path,
                                progress=show_progress_bar, catalogue=catalogue, **config_overrides)
        artifact, sha256 = _store_checkpoint(path, artifact)
    report(0.8, "evaluating on held-out learners")
    predicted = model.predict_sequences(holdout)
    metrics = _json_metrics(dict(evaluate(model, holdout, predicted=predicted)))
    serving = registry.serving()
    serving_predicted = serving.model.predict_sequences(holdout)
    serving_metrics = _json_metrics(evaluate(serving.model, holdout, timing=False, predicted=serving_predicted))
    decision, evidence = compare_paired(holdout, predicted, serving_predicted,
                                        margin=settings.PATHWISE_PROMOTION_MARGIN, seed=seed)
    against = f"v{serving.version.pk}" if serving.version is not None else "the fallback"
    note = f"against {against}: {decision.reason}"
    version = ModelVersion.objects.create(
        name=name,
        artifact=artifact,
        sha256=sha256,
        metrics={**metrics, "comparison": _json_metrics(evidence)},
        champion_metrics=serving_metrics,
        promotion_note=note[:300],
        training_data={
            "source": str(source) if source else "product responses",
            "responses": len(log), "learners": log.n_learners, "items": log.n_items, "skills": log.n_skills,
            "train_learners": train.n_learners, "valid_learners": valid.n_learners,
            "holdout_learners": holdout.n_learners, "holdout": "by a hash of the learner", "seed": seed,
        },
        device=resolved,
        train_seconds=float(model.training_info.get("train_seconds", 0.0)),
    )
    promoted = False
    if promote and decision.promote:
        try:
            model_version_promote(version=version)
            promoted = True
        except registry.ModelRefused as exc:
            note = f"refused: {exc}"
    if promote and not promoted:
        version.status = ModelVersion.REJECTED
        version.promotion_note = note[:300]
        version.save(update_fields=["status", "promotion_note"])
    report(1.0, note)
    return TrainingResult(version, promoted, note)


def _store_checkpoint(path: Path, name: str) -> tuple[str, str]:
    """Copy a checkpoint written on this machine, and its metrics JSON if there is one, into the
    model storage, where every process and node reads it. Returns the stored name and its SHA-256."""
    storage = model_storage()
    with open(path, "rb") as handle:
        stored = storage.save(name, File(handle, name=name))
    metrics = metrics_path(path)
    if metrics.exists():
        with open(metrics, "rb") as handle:
            storage.save(metrics_path(stored).as_posix(), File(handle, name=metrics.name))
    return stored, registry.file_sha256(path)


def model_version_register(*, artifact: Path, note: str = "", training_data: dict[str, Any] | None = None) -> ModelVersion:
    """Register a checkpoint file (copied into the model folder) as a candidate, with its held-out
    metrics as recorded next to it, if any. It serves only once promoted."""
    model = load(artifact)
    stored, sha256 = _store_checkpoint(artifact, f"{model.name}-{timezone.now():%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:6]}.pt")
    return ModelVersion.objects.create(
        name=model.name, artifact=stored, sha256=sha256,
        metrics=_json_metrics(dict(model.training_info.get("metrics", {}))),
        promotion_note=note[:300], training_data=training_data or {"source": artifact.name},
        device="cpu", train_seconds=float(model.training_info.get("train_seconds", 0.0) or 0.0),
    )


def model_version_promote(*, version: ModelVersion) -> ModelVersion:
    """Make ``version`` the champion (the current one is retired). Workers switch on their next answer.

    Whatever asks for it (training, ``promote_model``, the admin), the version must load and pass
    the invariants on the published courses; otherwise it is marked rejected with the reason, the
    serving model stays, and :class:`adaptive.registry.ModelRefused` is raised.
    """
    try:
        registry.load_checked(version)
    except registry.ModelRefused as exc:
        # Recorded before raising, outside the swap's transaction, so the reason stays on the row.
        ModelVersion.objects.filter(pk=version.pk).update(
            status=ModelVersion.REJECTED if version.status != ModelVersion.CHAMPION else version.status,
            load_error=f"Refused: {exc}"[:500], promotion_note=f"Refused: {exc}"[:300])
        transaction.on_commit(registry.forget)
        raise
    with transaction.atomic():
        return _make_champion(version)


def _make_champion(version: ModelVersion) -> ModelVersion:
    ModelVersion.objects.filter(status=ModelVersion.CHAMPION).exclude(pk=version.pk).update(status=ModelVersion.RETIRED)
    version.status = ModelVersion.CHAMPION
    version.promoted_at = timezone.now()
    version.load_error = ""
    version.save(update_fields=["status", "promoted_at", "load_error"])
    transaction.on_commit(registry.forget)
    return version


@transaction.atomic
def model_version_rollback() -> ModelVersion:
    """Retire the champion and bring back the previous one."""
    current = ModelVersion.objects.select_for_update().filter(status=ModelVersion.CHAMPION).first()
    if current is None:
        raise ValueError("there is no champion to roll back from")
    previous = (
        ModelVersion.objects.filter(status=ModelVersion.RETIRED, promoted_at__isnull=False,
                                    promoted_at__lt=current.promoted_at)
        .order_by("-promoted_at").first()
    )
    if previous is None:
        raise ValueError("there is no earlier champion to roll back to")
    try:
        registry.load_checked(previous)
    except registry.ModelRefused as exc:
        raise ValueError(f"the earlier champion, version {previous.pk}, may not serve: {exc}") from exc
    ModelVersion.objects.filter(pk=current.pk).update(status=ModelVersion.RETIRED, promoted_at=None)
    ModelVersion.objects.filter(pk=previous.pk).update(status=ModelVersion.CHAMPION)
    previous.status = ModelVersion.CHAMPION
    transaction.on_commit(registry.forget)
    return previous


# ----- learner states --------------------------------------------------------------------------
def learner_state_advance(*, user_id: int, up_to_response_id: int | None = None,
                          courses: dict[int, Course] | None = None,
                          loaded: registry.LoadedModel | None = None) -> LearnerState:
    """Apply the learner's responses the stored state has not seen yet, up to ``up_to_response_id``.

    Idempotent: responses at or below ``last_response_id`` are never applied twice, so running it
    again for the same response changes nothing. When the champion changed since the state was
    stored, the state is rebuilt from all of the learner's responses with the new model. Mastery is
    refreshed for the skills of the courses the new responses belong to (all enrolled courses on a
    rebuild). ``courses`` are course rows the caller already holds (by id), so they are not read again;
    ``loaded`` is the champion when the caller has just looked it up.
    """
    with transaction.atomic(savepoint=False):
        row, _ = _advance_locked(user_id=user_id, up_to_response_id=up_to_response_id, courses=courses,
                                 loaded=loaded or registry.serving())
        return row


def _advance_locked(*, user_id: int, up_to_response_id: int | None, courses: dict[int, Course] | None,
                    loaded: registry.LoadedModel | None,
                    attempt_id: uuid.UUID | None = None) -> tuple[LearnerState, list[AttemptAnswer]]:
    """:func:`learner_state_advance` inside the caller's transaction; also returns the answers of the
    quiz attempt ``attempt_id`` so far, read with the new responses."""
    records = learning_records()
    state_row = learner_state_for_update(user_id)
    if loaded is None:
        return state_row, (records.responses_since(user_id, 0, 0, attempt_id)[1] if attempt_id is not None else [])
    model, version = loaded.model, loaded.version
    rebuild = not (state_row.model_version_id == loaded.version_id and state_row.state)
    mastery_before = dict(state_row.mastery)
    pending, answered = records.responses_since(user_id, 0 if rebuild else state_row.last_response_id,
                                                up_to_response_id, attempt_id)
    if rebuild:
        state = model.init_state()
        state_row.responses_seen = 0
        state_row.mastery = {}
    elif not pending:
        return state_row, answered
    else:
        state = state_from_bytes(bytes(state_row.state))
    wanted = {p.course_id for p in pending} | (set(records.enrolled_course_ids(user_id)) if rebuild else set())
    known = {pk: course for pk, course in (courses or {}).items() if pk in wanted}
    if wanted - set(known):
        known.update({c.pk: c for c in Course.objects.filter(pk__in=wanted - set(known))})
    structures = {pk: course_structure(course) for pk, course in known.items()}
    missing = {p.question_id for p in pending if structures[p.course_id].primary(p.question_id) is None}
    fallback = primary_skills(missing) if missing else {}
    for p in pending:
        # Every skill the question is tagged with receives the evidence, with the author's difficulty.
        info = structures[p.course_id].info(p.question_id)
        if info is not None and info.skills:
            state = model.update(state, item_id(p.question_key), int(p.is_correct), at=p.created, info=info)
        else:
            state = model.update(state, item_id(p.question_key), int(p.is_correct),
                                 skill=fallback.get(p.question_id), at=p.created)
    # Mastery as of the latest answer: a model that sees elapsed time has skills practised long ago fade.
    mastery = dict(state_row.mastery)
    slugs = sorted({slug for st in structures.values() for slug in st.skills})
    latest = pending[-1].created if pending else None
    predicted = model.predict_skills(state, slugs, at=latest)
    # A skill given no finite mastery keeps its last one (or none yet): NaN is never stored.
    registry.outputs_finite(predicted, what=f"the mastery of user {user_id}", version=version)
    for slug, value in zip(slugs, map(float, predicted)):
        if math.isfinite(value):
            mastery[slug] = round(value, 4)
    peak = dict(state_row.peak_mastery)
    for slug, value in mastery.items():
        peak[slug] = max(value, peak.get(slug, 0.0))
    state_row.state = state_to_bytes(state)
    state_row.decoded_state = state  # spares the decisions that follow decoding it again
    state_row.model_version = version
    if pending:
        state_row.last_response_id = max(state_row.last_response_id, pending[-1].id)
    state_row.responses_seen += len(pending)
    state_row.mastery = mastery
    state_row.peak_mastery = peak
    save_fields(state_row, ["model_version", "state", "last_response_id", "responses_seen", "mastery",
                            "peak_mastery"])
    if pending and mastery_changed.has_listeners():
        mastery_changed.send(sender=LearnerState, user_id=user_id, response_id=pending[-1].id,
                             before=mastery_before, after=mastery,
                             courses={pk: (known[pk], structures[pk].skills) for pk in known})
    return state_row, answered


def _relax_durability() -> None:
    """Let PostgreSQL commit the current transaction without waiting for its disk flush.

    Only for derived data (learner states, decisions): after a database crash the last moments of
    it can be missing, and the reconciliation rebuilds states from the response log while the web
    process decides afresh where a decision is missing. Responses themselves are never written so.
    """
    connection = transaction.get_connection()
    if connection.vendor == "postgresql" and connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


class Answer(Protocol):
    """An answer as the learner's state takes it in (``lms.learning.selectors.AnswerContext``): the
    response, its learner and course, and whether the learner follows the fixed course order."""

    @property
    def response_id(self) -> int: ...

    @property
    def user_id(self) -> int: ...

    @property
    def course(self) -> Course: ...

    @property
    def fixed(self) -> bool: ...


@dataclass(frozen=True)
class AnswerTaken:
    """What the learner model made of an answer: the learner's state after it, the belief the
    decisions start from, the answers of its quiz so far (read with the new responses) and the
    decision on the quiz's next question (``None`` outside an open quiz, or when a newer answer
    of the quiz exists: its decision would be out of date)."""

    state: LearnerState
    belief: Belief
    answers: list[AttemptAnswer]
    question: Decision | None


def learner_state_take_answer(*, context: Answer, attempt: Quiz | None) -> AnswerTaken:
    """Inside the caller's transaction: bring the learner's state up to the answer in ``context``
    and decide what follows it in ``attempt`` (the open quiz it was given in, or ``None``).

    The learner's state row stays locked until the caller commits, so two answers of the same
    learner are taken in one after the other. Idempotent: the state applies each response once and
    a decision is stored once per answer and kind. What the decision changes in the quiz is the
    caller's to write (``lms.learning`` owns the quiz).
    """
    _relax_durability()
    loaded = registry.serving()
    row, answers = _advance_locked(user_id=context.user_id, up_to_response_id=context.response_id,
                                   courses={context.course.pk: context.course}, loaded=loaded,
                                   attempt_id=attempt.id if attempt is not None else None)
    belief = belief_from_row(row, loaded)
    question = None
    if attempt is not None and answers and answers[-1].response_id == context.response_id:
        question = decide_question(attempt, belief, answers=answers, source=Decision.WORKER, fixed=context.fixed,
                                   mastery=row.mastery if row.model_version_id else None)
    return AnswerTaken(row, belief, answers, question)


@transaction.atomic
def module_decision_after_answer(*, context: Answer, taken: AnswerTaken) -> Decision:
    """Decide (and store) the module to recommend next in the answer's course, from the state the
    answer led to. Idempotent: one module decision per answer."""
    _relax_durability()
    row, belief = taken.state, taken.belief
    return decide_module(context.user_id, context.course, belief, mastery=row.mastery if belief.model else None,
                         peak=row.peak_mastery, response_id=context.response_id, source=Decision.WORKER,
                         fixed=context.fixed)


def learner_mastery(user: User) -> dict[str, float]:
    """The stored mastery per skill for a learner ({} before the first model)."""
    row = LearnerState.objects.filter(user=user).only("mastery").first()
    return dict(row.mastery) if row else {}


# ----- manager overrides -----------------------------------------------------------------------
class AssignmentNotAllowed(Exception):
    """The manager does not manage this learner or team."""


@transaction.atomic
def assignment_create(*, module: Any, assigned_by: User, learner: User | None = None,
                      team: Any | None = None, due: Any | None = None) -> Assignment:
    """Assign a module to one learner or a whole team. Assigned modules come first in the
    recommendations until completed; the learner can still choose anything else."""
    if (learner is None) == (team is None):
        raise ValueError("assign to exactly one of a learner or a team")
    if team is not None and not teams_visible_to(assigned_by).filter(pk=team.pk).exists():
        raise AssignmentNotAllowed(gettext("you do not manage this team"))
    if learner is not None and (learner.pk == assigned_by.pk or not can_view_learner(assigned_by, learner.pk)):
        raise AssignmentNotAllowed(gettext("this learner is not in a team you manage"))
    assignment, _ = Assignment.objects.update_or_create(
        module=module, learner=learner, team=team, defaults={"due": due, "assigned_by": assigned_by})
    # Recommendations made before the assignment are out of date: make fresh ones (the log keeps both).
    members = team.members.values_list("pk", flat=True) if team is not None else []
    learners = [learner.pk] if learner is not None else list(members)
    transaction.on_commit(lambda: _refresh_recommendations(learners, module.course_id))
    return assignment


@transaction.atomic
def assignments_create(*, module: Any, assigned_by: User, learners: list[User],
                       due: Any | None = None) -> list[Assignment]:
    """Assign a module to several learners at once, all or nothing: when one of them may not be
    assigned by ``assigned_by``, none is (:class:`AssignmentNotAllowed` names them)."""
    refused = [u for u in learners if u.pk == assigned_by.pk or not can_view_learner(assigned_by, u.pk)]
    if refused:
        names = ", ".join(u.get_full_name() or u.get_username() for u in refused)
        raise AssignmentNotAllowed(gettext("not in a team you manage: %(names)s") % {"names": names})
    return [assignment_create(module=module, assigned_by=assigned_by, learner=u, due=due) for u in learners]


def _refresh_recommendations(learner_ids: list[int], course_id: int) -> None:
    course = Course.objects.get(pk=course_id)
    states = {row.user_id: row for row in LearnerState.objects.filter(user_id__in=learner_ids)}
    for user_id in learner_ids:
        row = states.get(user_id)
        decide_module(user_id, course, belief_from_row(row), mastery=dict(row.mastery) if row else None,
                      peak=dict(row.peak_mastery) if row else None, response_id=None, source=Decision.WEB)


def training_run_start(*, requested_by: User | None = None,
                       model_name: str | None = None) -> TrainingRun:
    """Queue a retraining run on the training queue (after commit); the admin shows its progress."""
    with transaction.atomic():
        run = TrainingRun.objects.create(model_name=model_name or settings.PATHWISE_LEARNER_MODEL,
                                         requested_by=requested_by)
        publish_on_commit("adaptive.tasks.retrain_learner_model", run.pk)
    return run
