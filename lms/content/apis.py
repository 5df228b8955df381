"""REST API for the content: courses, modules, questions and skills.

Everyone signed in reads; admins write. Learners see published courses only, and questions without
their answers (``QuestionLearnerOutput``): the answer key is for managers and admins.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Count, Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.utils import (
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_field,
)
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.validators import UniqueValidator
from rest_framework.views import APIView

from lms.accounts.roles import is_admin, is_staff_role
from lms.api import IsAdminRoleOrReadOnly, Pagination, RelatedSlugsField, paginated_response
from lms.content.models import Choice, Course, Module, ModuleQuestion, Question, Skill
from lms.content.packages import KEY_RE
from lms.content.skills import skill_set_prerequisites

CONFLICT = OpenApiResponse(description="Still used by a quiz or by learners' answers; not deleted.")
BAD_INPUT = OpenApiResponse(description="Invalid input; the body names each field's problem.")
ADMINS_ONLY = OpenApiResponse(description="Only admins may change content.")
NO_COURSE = OpenApiResponse(description="No such course (learners and managers see published courses only).")


class FiniteFloatField(serializers.FloatField):
    """JSON allows 1e999, which Python reads as infinity; no setting here means that."""

    def to_internal_value(self, data: Any) -> float:
        value = super().to_internal_value(data)
        if not math.isfinite(value):
            self.fail("invalid")
        return value


def _skill_slugs(many: bool = True, required: bool = False) -> serializers.SlugRelatedField:
    return serializers.SlugRelatedField(
        slug_field="slug", queryset=Skill.objects.all(), many=many, required=required,
        help_text="Skill slugs.",
    )


# --- Reads (candidates for lms/content/selectors.py) --------------------------------------------

def courses_visible_to(user: AbstractBaseUser) -> QuerySet[Course]:
    courses = Course.objects.all()
    return courses if is_admin(user) else courses.filter(published=True)


def modules_visible_to(user: AbstractBaseUser) -> QuerySet[Module]:
    quiz = ModuleQuestion.objects.select_related("question").order_by("order", "id")
    modules = Module.objects.select_related("course").prefetch_related(Prefetch("module_questions", queryset=quiz))
    return modules if is_admin(user) else modules.filter(course__published=True)


def questions_visible_to(user: AbstractBaseUser) -> QuerySet[Question]:
    """Managers and admins see the whole bank; learners only questions in published courses' quizzes."""
    questions = Question.objects.prefetch_related("skills", "choices")
    if is_staff_role(user):
        return questions
    return questions.filter(
        pk__in=ModuleQuestion.objects.filter(module__course__published=True).values("question_id")
    )


def sees_answers(user: AbstractBaseUser) -> bool:
    return is_staff_role(user)


# --- Writes (candidates for lms/content/services.py) --------------------------------------------

@transaction.atomic
def skill_save(*, skill: Skill | None, data: dict[str, Any]) -> Skill:
    """Create (``skill=None``) or update a skill; prerequisites go through the cycle check."""
    prerequisites = data.pop("prerequisites", None)
    skill = skill or Skill()
    for name, value in data.items():
        setattr(skill, name, value)
    skill.full_clean()
    skill.save()
    if prerequisites is not None:
        skill_set_prerequisites(skill=skill, prerequisites=prerequisites)
    return skill


@transaction.atomic
def course_save(*, course: Course | None, data: dict[str, Any]) -> Course:
    skills = data.pop("skills", None)
    course = course or Course()
    for name, value in data.items():
        setattr(course, name, value)
    course.full_clean()
    course.save()
    if skills is not None:
        course.skills.set(skills)
    return course


@transaction.atomic
def module_save(*, module: Module | None, data: dict[str, Any]) -> Module:
    """Create or update a module; ``questions`` (a list, in quiz order) replaces the quiz."""
    skills = data.pop("skills", None)
    questions = data.pop("questions", None)
    module = module or Module()
    for name, value in data.items():
        setattr(module, name, value)
    module.full_clean()
    module.save()
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
    question = question or Question()
    for name, value in data.items():
        setattr(question, name, value)
    question.full_clean()
    question.save()
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
    return question


def _update(request: Request, instance: Any, input_class: type[serializers.Serializer], save: Any,
            output: Any, partial: bool) -> Response:
    serializer = input_class(instance=instance, data=request.data, partial=partial, context={"request": request})
    serializer.is_valid(raise_exception=True)
    saved = save(serializer.validated_data)
    return Response(output(saved))


# --- Skills -------------------------------------------------------------------------------------

class SkillOutput(serializers.Serializer):
    class Meta:
        ref_name = "Skill"

    slug = serializers.SlugField()
    name = serializers.CharField()
    description = serializers.CharField()
    prerequisites = RelatedSlugsField()


class SkillInput(serializers.Serializer):
    class Meta:
        ref_name = "SkillWrite"

    slug = serializers.SlugField(max_length=80, validators=[UniqueValidator(queryset=Skill.objects.all())])
    name = serializers.CharField(max_length=120)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    prerequisites = _skill_slugs()


def _skill_out(skill: Skill) -> dict[str, Any]:
    return SkillOutput(skill).data


class SkillListApi(APIView):
    permission_classes = [IsAdminRoleOrReadOnly]
    pagination_class = Pagination

    @extend_schema(responses=SkillOutput(many=True), tags=["skills"])
    def get(self, request: Request) -> Response:
        skills = Skill.objects.prefetch_related("prerequisites")
        return paginated_response(request=request, view=self, queryset=skills, serializer_class=SkillOutput)

    @extend_schema(request=SkillInput, responses={201: SkillOutput}, tags=["skills"],
                   description="Admins. Prerequisites that would make a cycle are refused with a 400 naming it.")
    def post(self, request: Request) -> Response:
        serializer = SkillInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        skill = skill_save(skill=None, data=dict(serializer.validated_data))
        return Response(_skill_out(skill), status=status.HTTP_201_CREATED)


class SkillDetailApi(APIView):
    permission_classes = [IsAdminRoleOrReadOnly]

    def _get(self, slug: str) -> Skill:
        return get_object_or_404(Skill, slug=slug)

    @extend_schema(responses=SkillOutput, tags=["skills"])
    def get(self, request: Request, slug: str) -> Response:
        return Response(_skill_out(self._get(slug)))

    @extend_schema(request=SkillInput, responses=SkillOutput, tags=["skills"])
    def put(self, request: Request, slug: str, partial: bool = False) -> Response:
        skill = self._get(slug)
        return _update(request, skill, SkillInput, lambda data: skill_save(skill=skill, data=dict(data)),
                       _skill_out, partial)

    @extend_schema(request=SkillInput, responses=SkillOutput, tags=["skills"])
    def patch(self, request: Request, slug: str) -> Response:
        return self.put(request, slug, partial=True)

    @extend_schema(responses={204: None}, tags=["skills"])
    def delete(self, request: Request, slug: str) -> Response:
        self._get(slug).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Courses ------------------------------------------------------------------------------------

class CourseOutput(serializers.Serializer):
    class Meta:
        ref_name = "Course"

    slug = serializers.SlugField()
    title = serializers.CharField()
    summary = serializers.CharField()
    published = serializers.BooleanField()
    target_success = serializers.FloatField()
    mastery_threshold = serializers.FloatField()
    control_share = serializers.FloatField(help_text="Share of new enrolments put on the fixed course order.")
    skills = RelatedSlugsField()
    created = serializers.DateTimeField()
    updated = serializers.DateTimeField()


class CourseDetailOutput(CourseOutput):
    class Meta:
        ref_name = "CourseDetail"

    class ModuleSummary(serializers.Serializer):
        id = serializers.IntegerField()
        slug = serializers.SlugField()
        title = serializers.CharField()
        order = serializers.IntegerField()
        estimated_minutes = serializers.IntegerField()
        question_count = serializers.IntegerField()

        class Meta:
            ref_name = "CourseModuleSummary"

    description = serializers.CharField()
    modules = serializers.SerializerMethodField()

    @extend_schema_field(ModuleSummary(many=True))
    def get_modules(self, course: Course) -> list[dict[str, Any]]:
        modules = course.modules.annotate(question_count=Count("module_questions")).order_by("order", "id")
        return self.ModuleSummary(modules, many=True).data


class CourseInput(serializers.Serializer):
    class Meta:
        ref_name = "CourseWrite"

    slug = serializers.SlugField(max_length=80, validators=[UniqueValidator(queryset=Course.objects.all())])
    title = serializers.CharField(max_length=200)
    summary = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    description = serializers.CharField(required=False, allow_blank=True, default="", help_text="Markdown.")
    published = serializers.BooleanField(required=False, default=True)
    target_success = FiniteFloatField(min_value=0.5, max_value=0.95, required=False, default=0.7)
    mastery_threshold = FiniteFloatField(min_value=0.5, max_value=0.99, required=False, default=0.85)
    control_share = FiniteFloatField(
        min_value=0.0, max_value=0.5, required=False, default=0.0,
        help_text="Share (0 to 0.5) of new enrolments drawn onto the fixed course order, the control group that "
                  "adaptive paths are compared with; 0 turns the comparison off. Existing enrolments keep their path.",
    )
    skills = _skill_slugs()


class CourseListApi(APIView):
    permission_classes = [IsAdminRoleOrReadOnly]
    pagination_class = Pagination

    @extend_schema(responses=CourseOutput(many=True), tags=["courses"],
                   description="Published courses; admins also see unpublished ones.")
    def get(self, request: Request) -> Response:
        courses = courses_visible_to(request.user).prefetch_related("skills")
        return paginated_response(request=request, view=self, queryset=courses, serializer_class=CourseOutput)

    @extend_schema(request=CourseInput, responses={201: CourseDetailOutput}, tags=["courses"])
    def post(self, request: Request) -> Response:
        serializer = CourseInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        course = course_save(course=None, data=dict(serializer.validated_data))
        return Response(CourseDetailOutput(course).data, status=status.HTTP_201_CREATED)


class CourseDetailApi(APIView):
    permission_classes = [IsAdminRoleOrReadOnly]

    def _get(self, request: Request, slug: str) -> Course:
        return get_object_or_404(courses_visible_to(request.user), slug=slug)

    @extend_schema(responses=CourseDetailOutput, tags=["courses"])
    def get(self, request: Request, slug: str) -> Response:
        return Response(CourseDetailOutput(self._get(request, slug)).data)

    @extend_schema(request=CourseInput, responses={200: CourseDetailOutput, 400: BAD_INPUT, 403: ADMINS_ONLY,
                                                   404: NO_COURSE}, tags=["courses"])
    def put(self, request: Request, slug: str, partial: bool = False) -> Response:
        course = self._get(request, slug)
        return _update(request, course, CourseInput, lambda data: course_save(course=course, data=dict(data)),
                       lambda c: CourseDetailOutput(c).data, partial)

    @extend_schema(request=CourseInput, responses={200: CourseDetailOutput, 400: BAD_INPUT, 403: ADMINS_ONLY,
                                                   404: NO_COURSE}, tags=["courses"],
                   description="Admins. Change some of a course's settings, e.g. `{\"control_share\": 0.2}`.")
    def patch(self, request: Request, slug: str) -> Response:
        return self.put(request, slug, partial=True)

    @extend_schema(responses={204: None, 409: CONFLICT}, tags=["courses"])
    def delete(self, request: Request, slug: str) -> Response:
        self._get(request, slug).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Modules ------------------------------------------------------------------------------------

@extend_schema_field({"type": "string", "anyOf": [{"format": "uri"}, {"maxLength": 0}]})
class OptionalURLField(serializers.CharField):
    """An address or the empty string, checked as DRF's URLField checks it. Its schema says so:
    ``format: uri`` alone would call "" invalid. (The check is not among ``validators``, from which
    drf-spectacular would add that format again.)"""

    default_error_messages = {"invalid": serializers.URLField.default_error_messages["invalid"]}

    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data)
        if value:
            try:
                URLValidator()(value)
            except DjangoValidationError:
                self.fail("invalid")
        return value


class ModuleOutput(serializers.Serializer):
    class Meta:
        ref_name = "Module"

    id = serializers.IntegerField()
    course = serializers.SlugField(source="course.slug")
    slug = serializers.SlugField()
    title = serializers.CharField()
    body = serializers.CharField(help_text="Markdown.")
    video_url = OptionalURLField(allow_blank=True, help_text="Empty when the module has no video.")
    estimated_minutes = serializers.IntegerField()
    order = serializers.IntegerField()
    skills = RelatedSlugsField()
    questions = serializers.SerializerMethodField(help_text="Question keys in quiz order.")

    def get_questions(self, module: Module) -> list[str]:
        return [link.question.key for link in module.module_questions.all()]


class ModuleInput(serializers.Serializer):
    class Meta:
        ref_name = "ModuleWrite"

    course = serializers.SlugRelatedField(slug_field="slug", queryset=Course.objects.all(), help_text="Course slug.")
    slug = serializers.SlugField(max_length=80)
    title = serializers.CharField(max_length=200)
    body = serializers.CharField(help_text="Markdown.")
    video_url = OptionalURLField(required=False, allow_blank=True, default="", help_text="Empty for no video.")
    estimated_minutes = serializers.IntegerField(min_value=1, max_value=32767, required=False, default=5)
    order = serializers.IntegerField(min_value=0, max_value=2_147_483_647, required=False, default=0)
    skills = _skill_slugs()
    questions = serializers.SlugRelatedField(
        slug_field="key", queryset=Question.objects.all(), many=True, required=False,
        help_text="Question keys, in quiz order; replaces the quiz.",
    )

    def validate_questions(self, questions: list[Question]) -> list[Question]:
        if len({q.pk for q in questions}) != len(questions):
            raise serializers.ValidationError("each question may appear once")
        return questions

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        instance: Module | None = self.instance
        course = attrs.get("course", instance.course if instance else None)
        slug = attrs.get("slug", instance.slug if instance else None)
        clash = Module.objects.filter(course=course, slug=slug)
        if instance is not None:
            clash = clash.exclude(pk=instance.pk)
        if clash.exists():
            raise serializers.ValidationError({"slug": ["this course already has a module with this slug"]})
        return attrs


class ModuleFilter(serializers.Serializer):
    course = serializers.SlugField(required=False, help_text="Only this course's modules (course slug).")


class ModuleListApi(APIView):
    permission_classes = [IsAdminRoleOrReadOnly]
    pagination_class = Pagination

    @extend_schema(parameters=[ModuleFilter], responses=ModuleOutput(many=True), tags=["modules"])
    def get(self, request: Request) -> Response:
        filters = ModuleFilter(data=request.query_params)
        filters.is_valid(raise_exception=True)
        modules = modules_visible_to(request.user).prefetch_related("skills")
        if "course" in filters.validated_data:
            slug = filters.validated_data["course"]
            if not courses_visible_to(request.user).filter(slug=slug).exists():
                raise serializers.ValidationError({"course": [f"no course with the slug {slug!r}"]})
            modules = modules.filter(course__slug=slug)
        return paginated_response(request=request, view=self, queryset=modules, serializer_class=ModuleOutput)

    @extend_schema(request=ModuleInput, responses={201: ModuleOutput}, tags=["modules"])
    def post(self, request: Request) -> Response:
        serializer = ModuleInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        module = module_save(module=None, data=dict(serializer.validated_data))
        return Response(ModuleOutput(module).data, status=status.HTTP_201_CREATED)


class ModuleDetailApi(APIView):
    permission_classes = [IsAdminRoleOrReadOnly]

    def _get(self, request: Request, module_id: int) -> Module:
        return get_object_or_404(modules_visible_to(request.user), pk=module_id)

    @extend_schema(responses=ModuleOutput, tags=["modules"])
    def get(self, request: Request, module_id: int) -> Response:
        return Response(ModuleOutput(self._get(request, module_id)).data)

    @extend_schema(request=ModuleInput, responses=ModuleOutput, tags=["modules"])
    def put(self, request: Request, module_id: int, partial: bool = False) -> Response:
        module = self._get(request, module_id)
        return _update(request, module, ModuleInput, lambda data: module_save(module=module, data=dict(data)),
                       lambda m: ModuleOutput(self._get(request, m.pk)).data, partial)

    @extend_schema(request=ModuleInput, responses=ModuleOutput, tags=["modules"])
    def patch(self, request: Request, module_id: int) -> Response:
        return self.put(request, module_id, partial=True)

    @extend_schema(responses={204: None, 409: CONFLICT}, tags=["modules"])
    def delete(self, request: Request, module_id: int) -> Response:
        self._get(request, module_id).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Questions ----------------------------------------------------------------------------------

class QuestionLearnerOutput(serializers.Serializer):
    """What a learner may see before answering: no answer key, no feedback, no explanation."""

    class Meta:
        ref_name = "LearnerQuestion"

    class ChoiceSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        text = serializers.CharField()
        order = serializers.IntegerField()

        class Meta:
            ref_name = "LearnerChoice"

    key = serializers.CharField()
    type = serializers.ChoiceField(choices=Question.TYPES)
    stem = serializers.CharField(help_text="Markdown.")
    difficulty = serializers.IntegerField()
    skills = RelatedSlugsField()
    choices = ChoiceSerializer(many=True)


class QuestionOutput(QuestionLearnerOutput):
    """The full question, answer key included (managers and admins)."""

    class Meta:
        ref_name = "Question"

    class ChoiceSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        text = serializers.CharField()
        order = serializers.IntegerField()
        is_correct = serializers.BooleanField()
        feedback = serializers.CharField()

        class Meta:
            ref_name = "Choice"

    choices = ChoiceSerializer(many=True)
    explanation = serializers.CharField(help_text="Markdown.")
    true_false_answer = serializers.BooleanField(allow_null=True)
    numeric_answer = serializers.FloatField(allow_null=True)
    numeric_tolerance = serializers.FloatField()
    accepted_answers = serializers.ListField(child=serializers.CharField())
    case_sensitive = serializers.BooleanField()
    created = serializers.DateTimeField()
    updated = serializers.DateTimeField()


class _ClosedLearnerQuestion(OpenApiSerializerExtension):
    """A learner's question has exactly these fields. Saying so (``additionalProperties: false``)
    keeps QuestionForRole's ``oneOf`` unambiguous: a full question, answer key included, has every
    field of a learner's and would otherwise match both."""

    target_class = QuestionLearnerOutput

    def map_serializer(self, auto_schema: Any, direction: Any) -> Any:
        schema = auto_schema._map_serializer(self.target, direction, bypass_extensions=True)
        return {**schema, "additionalProperties": False}


QUESTION_RESPONSE = PolymorphicProxySerializer(
    component_name="QuestionForRole",
    serializers=[QuestionOutput, QuestionLearnerOutput],
    resource_type_field_name=None,
)
QUESTION_LIST_RESPONSE = PolymorphicProxySerializer(
    component_name="QuestionForRole",
    serializers=[QuestionOutput, QuestionLearnerOutput],
    resource_type_field_name=None,
    many=True,
)


def _question_out(user: AbstractBaseUser, question: Question) -> dict[str, Any]:
    return (QuestionOutput if sees_answers(user) else QuestionLearnerOutput)(question).data


class ChoiceInput(serializers.Serializer):
    class Meta:
        ref_name = "ChoiceWrite"

    id = serializers.IntegerField(required=False, min_value=1, help_text="An existing choice to update.")
    text = serializers.CharField(max_length=500)
    is_correct = serializers.BooleanField(required=False, default=False)
    feedback = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    order = serializers.IntegerField(min_value=0, max_value=2_147_483_647, required=False)


class QuestionInput(serializers.Serializer):
    class Meta:
        ref_name = "QuestionWrite"

    key = serializers.RegexField(
        KEY_RE, max_length=100, validators=[UniqueValidator(queryset=Question.objects.all())],
        help_text="Letters, digits, '.', '_' and '-', as in course packages.",
    )
    type = serializers.ChoiceField(choices=Question.TYPES)
    stem = serializers.CharField(help_text="Markdown.")
    explanation = serializers.CharField(help_text="Markdown, shown after the learner answers.")
    difficulty = serializers.IntegerField(min_value=1, max_value=5, required=False, default=3)
    skills = _skill_slugs(required=True)
    choices = ChoiceInput(many=True, required=False, help_text="Single and multiple choice only.")
    true_false_answer = serializers.BooleanField(required=False, allow_null=True, default=None)
    numeric_answer = FiniteFloatField(required=False, allow_null=True, default=None)
    numeric_tolerance = FiniteFloatField(required=False, min_value=0.0, default=0.0)
    accepted_answers = serializers.ListField(
        child=serializers.CharField(max_length=500), required=False, default=list,
        help_text="Short text: the accepted answers.",
    )
    case_sensitive = serializers.BooleanField(required=False, default=False)

    def validate_skills(self, skills: list[Skill]) -> list[Skill]:
        if not skills:
            raise serializers.ValidationError("a question trains at least one skill")
        return skills

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        instance: Question | None = self.instance

        existing = {c.pk: c for c in instance.choices.all()} if instance else {}

        def current(name: str) -> Any:
            if name == "choices":
                if "choices" not in attrs:
                    return [{"id": pk, "is_correct": c.is_correct} for pk, c in existing.items()]
                # A PATCH may leave out is_correct of a choice it keeps: that choice keeps its value.
                return [
                    {**c, "is_correct": c.get("is_correct", getattr(existing.get(c.get("id")), "is_correct", False))}
                    for c in attrs["choices"]
                ]
            if name in attrs:
                return attrs[name]
            return getattr(instance, name) if instance else None

        qtype = current("type")
        errors: dict[str, list[str]] = {}
        if qtype in Question.CHOICE_TYPES:
            choices = current("choices")
            correct = sum(1 for c in choices if c["is_correct"])
            ids = [c["id"] for c in choices if c.get("id")]
            if len(set(ids)) != len(ids) or not set(ids) <= set(existing):
                errors["choices"] = ["a choice id must be one of this question's choices, once"]
            elif any(not c.get("id") and not c.get("text") for c in choices):
                errors["choices"] = ["a new choice needs its text"]
            elif len(choices) < 2:
                errors["choices"] = ["give at least two choices"]
            elif qtype == Question.SINGLE and correct != 1:
                errors["choices"] = ["mark exactly one choice as correct"]
            elif qtype == Question.MULTIPLE and correct < 1:
                errors["choices"] = ["mark at least one choice as correct"]
        elif attrs.get("choices"):
            errors["choices"] = ["only choice questions have choices"]
        if qtype == Question.TRUE_FALSE and current("true_false_answer") is None:
            errors["true_false_answer"] = ["a true/false question needs its answer"]
        if qtype == Question.NUMERIC and current("numeric_answer") is None:
            errors["numeric_answer"] = ["a numeric question needs its answer"]
        if qtype == Question.SHORT_TEXT and not [a for a in current("accepted_answers") or [] if a.strip()]:
            errors["accepted_answers"] = ["a short-text question needs at least one accepted answer"]
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class QuestionFilter(serializers.Serializer):
    skill = serializers.SlugField(required=False, help_text="Only questions training this skill (slug).")
    module = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1,
                                      help_text="Only this module's quiz (module id).")


def _filter_questions(user: AbstractBaseUser, questions: QuerySet[Question],
                      filters: dict[str, Any]) -> QuerySet[Question]:
    if "skill" in filters:
        if not Skill.objects.filter(slug=filters["skill"]).exists():
            raise serializers.ValidationError({"skill": [f"no skill with the slug {filters['skill']!r}"]})
        questions = questions.filter(skills__slug=filters["skill"])
    if "module" in filters:
        module = modules_visible_to(user).filter(pk=filters["module"]).first()
        if module is None:
            raise serializers.ValidationError({"module": [f"no module with the id {filters['module']}"]})
        quiz: Iterable[int] = module.module_questions.order_by("order", "id").values_list("question_id", flat=True)
        questions = questions.filter(pk__in=list(quiz))
    return questions.distinct()


class QuestionListApi(APIView):
    permission_classes = [IsAdminRoleOrReadOnly]
    pagination_class = Pagination

    @extend_schema(
        parameters=[QuestionFilter], responses=QUESTION_LIST_RESPONSE, tags=["questions"],
        description="Managers and admins get the full question with its answer key; learners get questions "
                    "of published courses only, without answers, feedback or explanations.",
    )
    def get(self, request: Request) -> Response:
        filters = QuestionFilter(data=request.query_params)
        filters.is_valid(raise_exception=True)
        questions = _filter_questions(request.user, questions_visible_to(request.user), filters.validated_data)
        serializer_class = QuestionOutput if sees_answers(request.user) else QuestionLearnerOutput
        return paginated_response(request=request, view=self, queryset=questions, serializer_class=serializer_class)

    @extend_schema(request=QuestionInput, responses={201: QuestionOutput}, tags=["questions"])
    def post(self, request: Request) -> Response:
        serializer = QuestionInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        question = question_save(question=None, data=dict(serializer.validated_data))
        return Response(QuestionOutput(question).data, status=status.HTTP_201_CREATED)


class QuestionDetailApi(APIView):
    permission_classes = [IsAdminRoleOrReadOnly]

    def _get(self, request: Request, key: str) -> Question:
        return get_object_or_404(questions_visible_to(request.user), key=key)

    @extend_schema(responses=QUESTION_RESPONSE, tags=["questions"])
    def get(self, request: Request, key: str) -> Response:
        return Response(_question_out(request.user, self._get(request, key)))

    @extend_schema(request=QuestionInput, responses=QuestionOutput, tags=["questions"])
    def put(self, request: Request, key: str, partial: bool = False) -> Response:
        question = self._get(request, key)
        return _update(request, question, QuestionInput,
                       lambda data: question_save(question=question, data=dict(data)),
                       lambda q: QuestionOutput(Question.objects.prefetch_related("skills", "choices").get(pk=q.pk)).data,
                       partial)

    @extend_schema(request=QuestionInput, responses=QuestionOutput, tags=["questions"])
    def patch(self, request: Request, key: str) -> Response:
        return self.put(request, key, partial=True)

    @extend_schema(responses={204: None, 409: CONFLICT}, tags=["questions"])
    def delete(self, request: Request, key: str) -> Response:
        self._get(request, key).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)
