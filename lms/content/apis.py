"""REST API for the content: courses, modules, questions and skills.

Everyone signed in reads; admins write. Learners see published courses only, and questions without
their answers (``QuestionLearnerOutput``): the answer key is for managers and admins.
"""

from __future__ import annotations

import math
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import URLValidator
from django.db.models import Count, Model, QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.utils import (
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.validators import UniqueValidator
from rest_framework.views import APIView

from lms.api import IsAdminRoleOrReadOnly, Pagination, RelatedSlugsField, paginated_response
from lms.content.importing import KEY_RE
from lms.content.models import Course, Module, Question, Skill
from lms.content.selectors import (
    courses_visible_to,
    modules_visible_to,
    questions_filtered,
    questions_visible_to,
    sees_answers,
)
from lms.content.services import course_save, module_save, question_save, skill_save
from lms.http import AuthenticatedRequest

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


# --- Shared by the four resources ---------------------------------------------------------------


# A view's docstring would become the description of each operation in the schema: these say it in comments.


# Lists a resource (``get``, in each subclass) and creates one (``post``, admins).
class _CreateApi(APIView):
    permission_classes = [IsAdminRoleOrReadOnly]
    pagination_class = Pagination
    input_class: type[serializers.Serializer]

    def save(self, data: dict[str, Any]) -> Model:
        raise NotImplementedError

    def created(self, obj: Any) -> dict[str, Any]:
        raise NotImplementedError

    def post(self, request: AuthenticatedRequest) -> Response:
        serializer = self.input_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        obj = self.save(dict(serializer.validated_data))
        return Response(self.created(obj), status=status.HTTP_201_CREATED)


# Reads one item (everyone who may see it), replaces or changes it (``put``, ``patch``) and deletes it
# (admins). An item the user may not see is a 404, as one that does not exist.
class _DetailApi(APIView):
    permission_classes = [IsAdminRoleOrReadOnly]
    input_class: type[serializers.Serializer]
    lookup: str  # the model field the address names
    url_kwarg: str  # its name in the URL pattern

    def visible(self, request: AuthenticatedRequest) -> QuerySet[Any]:
        raise NotImplementedError

    def save(self, instance: Any, data: dict[str, Any]) -> Model:
        raise NotImplementedError

    def output(self, request: AuthenticatedRequest, obj: Any) -> dict[str, Any]:
        raise NotImplementedError

    def fetch(self, request: AuthenticatedRequest, **kwargs: Any) -> Any:
        return get_object_or_404(self.visible(request), **{self.lookup: kwargs[self.url_kwarg]})

    def get(self, request: AuthenticatedRequest, **kwargs: Any) -> Response:
        return Response(self.output(request, self.fetch(request, **kwargs)))

    def put(self, request: AuthenticatedRequest, partial: bool = False, **kwargs: Any) -> Response:
        instance = self.fetch(request, **kwargs)
        serializer = self.input_class(instance=instance, data=request.data, partial=partial,
                                      context={"request": request})
        serializer.is_valid(raise_exception=True)
        saved = self.save(instance, dict(serializer.validated_data))
        # Read again as a reader would, so the answer shows what is stored (the quiz in order, choices).
        return Response(self.output(request, self.visible(request).get(pk=saved.pk)))

    def patch(self, request: AuthenticatedRequest, **kwargs: Any) -> Response:
        return self.put(request, partial=True, **kwargs)

    def delete(self, request: AuthenticatedRequest, **kwargs: Any) -> Response:
        self.fetch(request, **kwargs).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)

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


@extend_schema_view(post=extend_schema(
    request=SkillInput, responses={201: SkillOutput}, tags=["skills"],
    description="Admins. Prerequisites that would make a cycle are refused with a 400 naming it."))
class SkillListApi(_CreateApi):
    input_class = SkillInput

    @extend_schema(responses=SkillOutput(many=True), tags=["skills"])
    def get(self, request: AuthenticatedRequest) -> Response:
        skills = Skill.objects.prefetch_related("prerequisites")
        return paginated_response(request=request, view=self, queryset=skills, serializer_class=SkillOutput)

    def save(self, data: dict[str, Any]) -> Skill:
        return skill_save(skill=None, data=data)

    def created(self, obj: Skill) -> dict[str, Any]:
        return SkillOutput(obj).data


@extend_schema_view(
    get=extend_schema(responses=SkillOutput, tags=["skills"]),
    put=extend_schema(request=SkillInput, responses=SkillOutput, tags=["skills"]),
    patch=extend_schema(request=SkillInput, responses=SkillOutput, tags=["skills"]),
    delete=extend_schema(responses={204: None}, tags=["skills"]),
)
class SkillDetailApi(_DetailApi):
    input_class = SkillInput
    lookup = url_kwarg = "slug"

    def visible(self, request: AuthenticatedRequest) -> QuerySet[Skill]:
        return Skill.objects.all()

    def save(self, instance: Skill, data: dict[str, Any]) -> Skill:
        return skill_save(skill=instance, data=data)

    def output(self, request: AuthenticatedRequest, obj: Skill) -> dict[str, Any]:
        return SkillOutput(obj).data


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
        return serializers.ListSerializer(modules, child=self.ModuleSummary()).data


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


@extend_schema_view(post=extend_schema(request=CourseInput, responses={201: CourseDetailOutput}, tags=["courses"]))
class CourseListApi(_CreateApi):
    input_class = CourseInput

    @extend_schema(responses=CourseOutput(many=True), tags=["courses"],
                   description="Published courses; admins also see unpublished ones.")
    def get(self, request: AuthenticatedRequest) -> Response:
        courses = courses_visible_to(request.user).prefetch_related("skills")
        return paginated_response(request=request, view=self, queryset=courses, serializer_class=CourseOutput)

    def save(self, data: dict[str, Any]) -> Course:
        return course_save(course=None, data=data)

    def created(self, obj: Course) -> dict[str, Any]:
        return CourseDetailOutput(obj).data


_COURSE_CHANGED = {200: CourseDetailOutput, 400: BAD_INPUT, 403: ADMINS_ONLY, 404: NO_COURSE}


@extend_schema_view(
    get=extend_schema(responses=CourseDetailOutput, tags=["courses"]),
    put=extend_schema(request=CourseInput, responses=_COURSE_CHANGED, tags=["courses"]),
    patch=extend_schema(request=CourseInput, responses=_COURSE_CHANGED, tags=["courses"],
                        description="Admins. Change some of a course's settings, e.g. `{\"control_share\": 0.2}`."),
    delete=extend_schema(responses={204: None, 409: CONFLICT}, tags=["courses"]),
)
class CourseDetailApi(_DetailApi):
    input_class = CourseInput
    lookup = url_kwarg = "slug"

    def visible(self, request: AuthenticatedRequest) -> QuerySet[Course]:
        return courses_visible_to(request.user)

    def save(self, instance: Course, data: dict[str, Any]) -> Course:
        return course_save(course=instance, data=data)

    def output(self, request: AuthenticatedRequest, obj: Course) -> dict[str, Any]:
        return CourseDetailOutput(obj).data


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

    def validate_course(self, slug: str) -> str:
        if not courses_visible_to(self.context["request"].user).filter(slug=slug).exists():
            raise serializers.ValidationError(f"no course with the slug {slug!r}")
        return slug


@extend_schema_view(post=extend_schema(request=ModuleInput, responses={201: ModuleOutput}, tags=["modules"]))
class ModuleListApi(_CreateApi):
    input_class = ModuleInput

    @extend_schema(parameters=[ModuleFilter], responses=ModuleOutput(many=True), tags=["modules"])
    def get(self, request: AuthenticatedRequest) -> Response:
        filters = ModuleFilter(data=request.query_params, context={"request": request})
        filters.is_valid(raise_exception=True)
        modules = modules_visible_to(request.user).prefetch_related("skills")
        if "course" in filters.validated_data:
            modules = modules.filter(course__slug=filters.validated_data["course"])
        return paginated_response(request=request, view=self, queryset=modules, serializer_class=ModuleOutput)

    def save(self, data: dict[str, Any]) -> Module:
        return module_save(module=None, data=data)

    def created(self, obj: Module) -> dict[str, Any]:
        return ModuleOutput(obj).data


@extend_schema_view(
    get=extend_schema(responses=ModuleOutput, tags=["modules"]),
    put=extend_schema(request=ModuleInput, responses=ModuleOutput, tags=["modules"]),
    patch=extend_schema(request=ModuleInput, responses=ModuleOutput, tags=["modules"]),
    delete=extend_schema(responses={204: None, 409: CONFLICT}, tags=["modules"]),
)
class ModuleDetailApi(_DetailApi):
    input_class = ModuleInput
    lookup = "pk"
    url_kwarg = "module_id"

    def visible(self, request: AuthenticatedRequest) -> QuerySet[Module]:
        return modules_visible_to(request.user)

    def save(self, instance: Module, data: dict[str, Any]) -> Module:
        return module_save(module=instance, data=data)

    def output(self, request: AuthenticatedRequest, obj: Module) -> dict[str, Any]:
        return ModuleOutput(obj).data


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
    type = serializers.ChoiceField(choices=Question.Type.choices)
    stem = serializers.CharField(help_text="Markdown.")
    difficulty = serializers.IntegerField()
    skills = RelatedSlugsField()
    choices = ChoiceSerializer(many=True)


class QuestionOutput(QuestionLearnerOutput):
    """The full question, answer key included (managers and admins)."""

    class Meta:
        ref_name = "Question"

    class ChoiceSerializer(QuestionLearnerOutput.ChoiceSerializer):
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
    type = serializers.ChoiceField(choices=Question.Type.choices)
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

    def validate_skill(self, slug: str) -> Skill:
        skill = Skill.objects.filter(slug=slug).first()
        if skill is None:
            raise serializers.ValidationError(f"no skill with the slug {slug!r}")
        return skill

    def validate_module(self, module_id: int) -> Module:
        module = modules_visible_to(self.context["request"].user).filter(pk=module_id).first()
        if module is None:
            raise serializers.ValidationError(f"no module with the id {module_id}")
        return module


def _question_output_class(user: User) -> type[serializers.Serializer]:
    return QuestionOutput if sees_answers(user) else QuestionLearnerOutput


@extend_schema_view(post=extend_schema(request=QuestionInput, responses={201: QuestionOutput}, tags=["questions"]))
class QuestionListApi(_CreateApi):
    input_class = QuestionInput

    @extend_schema(
        parameters=[QuestionFilter], responses=QUESTION_LIST_RESPONSE, tags=["questions"],
        description="Managers and admins get the full question with its answer key; learners get questions "
                    "of published courses only, without answers, feedback or explanations.",
    )
    def get(self, request: AuthenticatedRequest) -> Response:
        filters = QuestionFilter(data=request.query_params, context={"request": request})
        filters.is_valid(raise_exception=True)
        questions = questions_filtered(questions_visible_to(request.user), **filters.validated_data)
        return paginated_response(request=request, view=self, queryset=questions,
                                  serializer_class=_question_output_class(request.user))

    def save(self, data: dict[str, Any]) -> Question:
        return question_save(question=None, data=data)

    def created(self, obj: Question) -> dict[str, Any]:
        return QuestionOutput(obj).data


@extend_schema_view(
    get=extend_schema(responses=QUESTION_RESPONSE, tags=["questions"]),
    put=extend_schema(request=QuestionInput, responses=QuestionOutput, tags=["questions"]),
    patch=extend_schema(request=QuestionInput, responses=QuestionOutput, tags=["questions"]),
    delete=extend_schema(responses={204: None, 409: CONFLICT}, tags=["questions"]),
)
class QuestionDetailApi(_DetailApi):
    input_class = QuestionInput
    lookup = url_kwarg = "key"

    def visible(self, request: AuthenticatedRequest) -> QuerySet[Question]:
        return questions_visible_to(request.user)

    def save(self, instance: Question, data: dict[str, Any]) -> Question:
        return question_save(question=instance, data=data)

    def output(self, request: AuthenticatedRequest, obj: Question) -> dict[str, Any]:
        return _question_output_class(request.user)(obj).data
