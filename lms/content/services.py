"""Writes to the content: courses, modules, skills and bank questions, one use case each.

Imports (course packages, GIFT, QTI) parse their sources into ``QuestionSpec`` values and write
questions through ``question_upsert``; the API's create and update go through the ``*_save`` services.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from django.db import transaction
from django.db.models import Model, prefetch_related_objects

from lms.content.importing import BankImportReport, BankItem, ChoiceSpec, ParsedQuestion, QuestionSpec
from lms.content.models import Choice, Course, Module, ModuleQuestion, Question, Skill, SkillSuggestion
from lms.content.selectors import question_text_fingerprint, questions_untagged
from lms.content.skill_tagger import skill_tagger
from lms.content.skills import skill_set_prerequisites
from lms.queueing import publish_on_commit

SUGGEST_SKILLS_TASK = "lms.content.tasks.suggest_skills"

Parsed = TypeVar("Parsed", bound=ParsedQuestion)
SavedModel = TypeVar("SavedModel", bound=Model)


def set_fields(obj: Any, values: dict[str, Any]) -> bool:
    """Set the attributes that differ from ``values``; says whether any did, so unchanged rows are not saved."""
    changed = False
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed = True
    return changed


# --- Saves from the API ---------------------------------------------------------------------------


def _validated_save(instance: SavedModel, data: dict[str, Any]) -> SavedModel:
    """Set ``data`` on ``instance``, validate it as the model says (``full_clean``) and save it."""
    for name, value in data.items():
        setattr(instance, name, value)
    instance.full_clean()
    instance.save()
    return instance


@transaction.atomic
def skill_save(*, skill: Skill | None, data: dict[str, Any]) -> Skill:
    """Create (``skill=None``) or update a skill; prerequisites go through the cycle check."""
    prerequisites = data.pop("prerequisites", None)
    skill = _validated_save(skill or Skill(), data)
    if prerequisites is not None:
        skill_set_prerequisites(skill=skill, prerequisites=prerequisites)
    return skill


@transaction.atomic
def course_save(*, course: Course | None, data: dict[str, Any]) -> Course:
    """Create (``course=None``) or update a course; ``skills`` replaces the course's own skills."""
    skills = data.pop("skills", None)
    course = _validated_save(course or Course(), data)
    if skills is not None:
        course.skills.set(skills)
    return course


@transaction.atomic
def module_save(*, module: Module | None, data: dict[str, Any]) -> Module:
    """Create or update a module; ``questions`` (a list, in quiz order) replaces the quiz."""
    skills = data.pop("skills", None)
    questions = data.pop("questions", None)
    module = _validated_save(module or Module(), data)
    if skills is not None:
        module.skills.set(skills)
    if questions is not None:
        module.module_questions.exclude(question__in=questions).delete()
        for order, question in enumerate(questions):
            ModuleQuestion.objects.update_or_create(module=module, question=question, defaults={"order": order})
    return module


@transaction.atomic
def question_save(*, question: Question | None, data: dict[str, Any]) -> Question:
    """Create or update a question. ``choices`` replaces the options: entries with an ``id`` update
    that choice (so stored answers, which are choice ids, keep their meaning), entries without one
    are added, and choices left out are deleted."""
    skills = data.pop("skills", None)
    choices = data.pop("choices", None)
    question = _validated_save(question or Question(), data)
    if skills is not None:
        question.skills.set(skills)
    if question.type not in Question.CHOICE_TYPES:
        question.choices.all().delete()
    elif choices is not None:
        keep = [c["id"] for c in choices if c.get("id")]
        question.choices.exclude(pk__in=keep).delete()
        for order, fields in enumerate(choices):
            fields = dict(fields)
            choice_id = fields.pop("id", None)
            fields.setdefault("order", order)
            if choice_id:
                Choice.objects.filter(pk=choice_id, question=question).update(**fields)
            else:
                Choice.objects.create(question=question, **fields)
    skill_suggestions_queue(question_ids=[question.pk], source="question_saved")
    return question


# --- Imports --------------------------------------------------------------------------------------


def question_upsert(*, spec: QuestionSpec, course_slug: str | None = None) -> tuple[Question, str, list[str]]:
    """Create or update one bank question from ``spec``; its skills must exist.

    Returns the question, ``"created"``, ``"updated"`` or ``"unchanged"``, and warnings: a change of
    type is announced when other courses (than ``course_slug``) use the question.
    """
    values = {
        "type": spec.type,
        "stem": spec.stem,
        "explanation": spec.explanation,
        "difficulty": spec.difficulty,
        "true_false_answer": spec.true_false_answer,
        "numeric_answer": spec.numeric_answer,
        "numeric_tolerance": spec.numeric_tolerance,
        "accepted_answers": spec.accepted_answers,
        "case_sensitive": spec.case_sensitive,
        "accepted_wildcards": spec.accepted_wildcards,
    }
    warnings: list[str] = []
    question = Question.objects.filter(key=spec.key).first()
    if question is None:
        question = Question.objects.create(key=spec.key, **values)
        outcome = "created"
    else:
        old_type = question.type
        changed = set_fields(question, values)
        if changed:
            question.save()
        if old_type != spec.type:
            others = sorted(set(Course.objects.filter(modules__questions=question).exclude(slug=course_slug or "")
                                .values_list("slug", flat=True)))
            if others:
                warnings.append(
                    f"question {spec.key!r} changed type from {old_type} to {spec.type}; it is also used by "
                    f"course(s) {', '.join(others)}, where the new type shows too")
        outcome = "updated" if changed else "unchanged"
    # No skills in the file keeps the bank's: an untagged question waits for suggested skills.
    if spec.skills and set(question.skills.values_list("slug", flat=True)) != set(spec.skills):
        question.skills.set(Skill.objects.filter(slug__in=spec.skills))
        outcome = "updated" if outcome == "unchanged" else outcome
    if _choices_write(question, spec.choices) and outcome == "unchanged":
        outcome = "updated"
    return question, outcome, warnings


def _choices_write(question: Question, specs: list[ChoiceSpec]) -> bool:
    """Update choices in place, by position, so their ids (kept in learners' answers) survive edits."""
    existing = list(question.choices.order_by("order", "id"))
    changed = False
    for order, spec in enumerate(specs):
        values = {"text": spec.text, "is_correct": spec.is_correct, "feedback": spec.feedback, "order": order}
        if order < len(existing):
            if set_fields(existing[order], values):
                existing[order].save()
                changed = True
        else:
            Choice.objects.create(question=question, **values)
            changed = True
    for extra in existing[len(specs):]:
        extra.delete()
        changed = True
    return changed


# --- Suggested skills -----------------------------------------------------------------------------


def skill_suggestions_queue(*, question_ids: Sequence[int], source: str) -> list[int]:
    """Ask for suggested skills for those of the questions whose text changed since theirs were worked
    out (or that never had any): ``suggest_skills`` runs once this transaction commits. Until it has,
    the editor says they are being worked out. Returns the ids queued."""
    questions = Question.objects.filter(pk__in=list(question_ids)).prefetch_related("choices").order_by("pk")
    stale = [q.pk for q in questions if q.skills_suggested_for != question_text_fingerprint(q)]
    if stale:
        Question.objects.filter(pk__in=stale, skills_suggested_for="").update(skills_suggested_for="pending")
        publish_on_commit(SUGGEST_SKILLS_TASK, stale, source)
    return stale


def skill_suggestions_queue_untagged(*, keys: Sequence[str], source: str) -> list[Question]:
    """Queue suggested skills for those of the questions ``keys`` that have no skill (after an import);
    they are recorded for an admin to approve, never applied. Returns the untagged questions."""
    if not keys:
        return []
    untagged = list(questions_untagged(keys))
    skill_suggestions_queue(question_ids=[q.pk for q in untagged], source=source)
    return untagged


@transaction.atomic
def skill_suggestions_work_out(*, question_ids: Sequence[int], source: str) -> int:
    """Store the skills the tagger suggests for each question's current text, as pending suggestions,
    and mark them current (``Question.skills_suggested_for``). Pending suggestions the text no longer
    earns are removed; decided ones stay. The questions are locked while this runs, and one whose
    suggestions are current already is left alone, so a repeat (or a retry) changes nothing.
    Returns how many questions it worked out."""
    questions = list(Question.objects.select_for_update().filter(pk__in=list(question_ids)).order_by("pk"))
    prefetch_related_objects(questions, "choices", "skills")
    due = [(question, fingerprint) for question in questions
           if (fingerprint := question_text_fingerprint(question)) != question.skills_suggested_for]
    if not due:
        return 0
    found = skill_tagger().record(questions=[question for question, _ in due], source=source)
    for question, fingerprint in due:
        kept = [suggestion.skill for suggestion in found.get(question.key, [])]
        (SkillSuggestion.objects.filter(question=question, status=SkillSuggestion.PENDING)
         .exclude(skill__slug__in=kept).delete())
        Question.objects.filter(pk=question.pk).update(skills_suggested_for=fingerprint)
    return len(due)


@transaction.atomic
def bank_questions_import(*, items: Sequence[Parsed], skills_for: Callable[[Parsed], list[str]],
                          difficulty: int | None, source: str, report: BankImportReport) -> None:
    """Write the supported questions of a checked GIFT or QTI source into the bank, in one transaction
    (rolled back in a dry run), and list each in ``report``; untagged ones get suggested skills.

    ``skills_for`` gives a question's skills (creating any the format names). ``difficulty`` applies
    to every question; without it, new questions get 3 and existing ones keep theirs.
    """
    for item in items:
        if item.spec is None:
            report.unsupported.append(BankItem(item.place, item.line, item.name, item.file, reason=item.unsupported))
            continue
        item.spec.skills = skills_for(item)
        if difficulty is not None:
            item.spec.difficulty = difficulty
        else:
            existing = Question.objects.filter(key=item.spec.key).values_list("difficulty", flat=True).first()
            item.spec.difficulty = existing or 3
        _question, outcome, warnings = question_upsert(spec=item.spec)
        report.warnings.extend(warnings)
        report.by_outcome(outcome).append(
            BankItem(item.place, item.line, item.name, item.file, key=item.spec.key, type=item.spec.type))
    untagged = [i.spec.key for i in items if i.spec is not None and not i.spec.skills]
    queued = skill_suggestions_queue_untagged(keys=untagged, source=source)
    if not report.dry_run:
        report.suggestions.extend(q.key for q in queued)
    if report.dry_run:
        transaction.set_rollback(True)
