"""REST API for learning: enrolments, answers and progress.

Learners see their own data only. ``?user=<id>`` lets managers look at their teams' members and
admins at anyone; a user outside that scope is a 404, never a silently empty list.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.db.models import Count, Max, Q
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from adaptive.decisions import latest_question_decision, recommended_module
from adaptive.models import Decision, LearnerState
from lms.accounts.roles import is_admin, is_staff_role
from lms.accounts.selectors import learners_visible_to
from lms.api import (
    Pagination,
    UserFilterSerializer,
    paginated_response,
    visible_learner_or_404,
)
from lms.content.apis import QuestionLearnerOutput
from lms.content.grading import InvalidAnswer, correct_answer_text, parse_answer
from lms.content.models import Course, Question
from lms.content.selectors import course_skills, courses_visible_to, modules_visible_to
from lms.http import AuthenticatedRequest
from lms.learning.models import Enrollment, QuizAttempt
from lms.learning.models import Response as AnswerRecord
from lms.learning.selectors import attempt_answers, attempt_question, course_outline
from lms.learning.services import (
    enrollment_create,
    placement_start,
    quiz_attempt_next_question,
    quiz_attempt_start,
    response_submit,
)

MAX_TIME_TAKEN_MS = 3_600_000
MAX_ID = 2**63 - 1
NOT_VISIBLE = OpenApiResponse(description="No such learner, or not one of yours.")


class UUIDStringField(serializers.UUIDField):
    """DRF also takes an integer as a UUID (``UUID(int=12)``); a client sending one has a bug."""

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, str):
            self.fail("invalid", value=data)
        return super().to_internal_value(data)


class CourseRef(serializers.Serializer):
    slug = serializers.SlugField()
    title = serializers.CharField()


# --- Enrolments ---------------------------------------------------------------------------------

class EnrollmentListApi(APIView):
    pagination_class = Pagination

    class InputSerializer(serializers.Serializer):
        course = serializers.SlugRelatedField(
            slug_field="slug", queryset=Course.objects.filter(published=True), help_text="Slug of a published course.",
        )
        user = serializers.IntegerField(
            required=False, min_value=1, max_value=MAX_ID,
            help_text="Enrol this user (an id) instead of yourself. Managers: a member of their teams; admins: "
                      "anyone; learners: only themselves.",
        )
        path = serializers.ChoiceField(
            choices=Enrollment.Path.choices, required=False,
            help_text="Managers and admins: put a new enrolment on this path. Left out, the path is drawn from the "
                      "course's control share. An existing enrolment keeps its path.",
        )

        class Meta:
            ref_name = "EnrollmentCreate"

    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        user = serializers.IntegerField(source="user_id")
        username = serializers.CharField(source="user.username")
        course = CourseRef()
        path = serializers.ChoiceField(choices=Enrollment.Path.choices,
                                       help_text="Adaptive, or the course's fixed order (the control group).")
        created = serializers.DateTimeField()
        completed_at = serializers.DateTimeField(allow_null=True)
        modules_completed = serializers.IntegerField()
        modules_total = serializers.IntegerField()
        progress_percent = serializers.IntegerField()
        questions_answered = serializers.IntegerField()
        correct_answers = serializers.IntegerField()
        accuracy_percent = serializers.IntegerField(allow_null=True)
        last_activity = serializers.DateTimeField(allow_null=True)

        class Meta:
            ref_name = "Enrollment"

    @extend_schema(
        parameters=[UserFilterSerializer], responses={200: OutputSerializer(many=True), 404: NOT_VISIBLE},
        tags=["enrollments"],
        description="Learners: their own enrolments. Managers: their teams' members'. Admins: everyone's.",
    )
    def get(self, request: AuthenticatedRequest) -> Response:
        filters = UserFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        enrollments = Enrollment.objects.select_related("user", "course").order_by("-created", "-id")
        if "user" in filters.validated_data:
            enrollments = enrollments.filter(user=visible_learner_or_404(request.user, filters.validated_data["user"]))
        else:
            enrollments = enrollments.filter(user__in=learners_visible_to(request.user))
        return paginated_response(request=request, view=self, queryset=enrollments,
                                  serializer_class=self.OutputSerializer)

    @extend_schema(
        request=InputSerializer,
        responses={
            201: OutputSerializer,
            200: OpenApiResponse(OutputSerializer, description="Already enrolled: the enrolment as it was."),
            400: OpenApiResponse(description="No such published course or user, or a bad path."),
            403: OpenApiResponse(description="Someone else than yourself and not one of your teams' members, or "
                                             "a path chosen by a learner."),
        },
        tags=["enrollments"],
        description="Enrol yourself in a course, or (managers and admins) a learner on a chosen path. Enrolling "
                    "again returns the existing enrolment with a 200 and never changes its path.",
    )
    def post(self, request: AuthenticatedRequest) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if "path" in data and not is_staff_role(request.user):
            raise exceptions.PermissionDenied("Only managers and admins may choose the path.")
        learner = request.user
        if data.get("user", learner.pk) != learner.pk:
            learner = _enrollable_learner(request.user, data["user"])
        course = data["course"]
        existed = Enrollment.objects.filter(user=learner, course=course).exists()
        enrollment = enrollment_create(user=learner, course=course, path=data.get("path"))
        return Response(self.OutputSerializer(enrollment).data,
                        status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED)


def _enrollable_learner(viewer: User, user_id: int) -> User:
    """Someone ``viewer`` may enrol: anyone for admins (an unknown id is bad input), their teams'
    members for managers; anyone else is refused, whether they exist or not."""
    if not is_staff_role(viewer):
        raise exceptions.PermissionDenied("You may enrol only yourself.")
    learner = learners_visible_to(viewer).filter(pk=user_id).first()
    if learner is None:
        if is_admin(viewer):
            raise serializers.ValidationError({"user": [f"no user with the id {user_id}"]})
        raise exceptions.PermissionDenied("You may enrol only members of the teams you manage.")
    return learner


# --- Responses ----------------------------------------------------------------------------------

class ResponseOutput(serializers.Serializer):
    class Meta:
        ref_name = "Response"

    id = serializers.IntegerField()
    submission_id = serializers.UUIDField()
    user = serializers.IntegerField(source="user_id")
    question = serializers.CharField(source="question.key", help_text="Question key.")
    module = serializers.IntegerField(source="module_id")
    course = serializers.SlugField(source="course.slug")
    answer = serializers.JSONField(help_text="The answer in its normal form.")
    is_correct = serializers.BooleanField()
    score = serializers.FloatField()
    time_taken_ms = serializers.IntegerField(allow_null=True)
    attempt_number = serializers.IntegerField()
    created = serializers.DateTimeField()


class ChoiceFeedback(serializers.Serializer):
    id = serializers.IntegerField()
    text = serializers.CharField()
    is_correct = serializers.BooleanField()
    selected = serializers.BooleanField()
    feedback = serializers.CharField()


class SubmittedResponseOutput(serializers.Serializer):
    """An answer with its grade and what the learner may now see: the right answer and why."""

    class Meta:
        ref_name = "GradedResponse"


    id = serializers.IntegerField()
    submission_id = serializers.UUIDField()
    question = serializers.CharField(help_text="Question key.")
    module = serializers.IntegerField()
    answer = serializers.JSONField()
    is_correct = serializers.BooleanField()
    score = serializers.FloatField()
    attempt_number = serializers.IntegerField()
    correct_answer = serializers.CharField(help_text="The right answer in words.")
    explanation = serializers.CharField(help_text="Markdown.")
    choice_feedback = ChoiceFeedback(many=True, help_text="Choice questions: every option; otherwise empty.")


def submitted_response_data(response: AnswerRecord) -> dict[str, Any]:
    question = response.question
    picked = response.answer if isinstance(response.answer, list) else [response.answer]
    choices = list(question.choices.all()) if question.type in Question.CHOICE_TYPES else []
    return SubmittedResponseOutput({
        "id": response.pk,
        "submission_id": response.submission_id,
        "question": question.key,
        "module": response.module_id,
        "answer": response.answer,
        "is_correct": response.is_correct,
        "score": response.score,
        "attempt_number": response.attempt_number,
        "correct_answer": correct_answer_text(question),
        "explanation": question.explanation,
        "choice_feedback": [
            {"id": c.pk, "text": c.text, "is_correct": c.is_correct, "selected": c.pk in picked,
             "feedback": c.feedback}
            for c in choices
        ],
    }).data


class ResponseListApi(APIView):
    pagination_class = Pagination

    class InputSerializer(serializers.Serializer):
        submission_id = UUIDStringField(
            help_text="Chosen by the client when the question is shown; sending it again returns the same answer.",
        )
        question = serializers.SlugRelatedField(slug_field="key", queryset=Question.objects.all(),
                                                help_text="Question key.")
        module = serializers.IntegerField(min_value=1, max_value=MAX_ID,
                                          help_text="Id of the module whose quiz the question was answered in.")
        answer = serializers.JSONField(
            help_text="Single choice: a choice id. Multiple choice: a list of choice ids. True/false: a boolean. "
                      "Numeric: a number. Short text: a string.",
        )
        time_taken_ms = serializers.IntegerField(min_value=0, max_value=MAX_TIME_TAKEN_MS, required=False,
                                                 allow_null=True)
        quiz_attempt = serializers.UUIDField(
            required=False, allow_null=True,
            help_text="The quiz attempt the answer belongs to (see quiz-attempts/); answers in a quiz must be to "
                      "its current question. Without it, the answer is recorded on its own.",
        )

        class Meta:
            ref_name = "ResponseSubmit"

        def validate_quiz_attempt(self, attempt_id: Any) -> Any:
            if attempt_id is None:
                return None
            attempt = QuizAttempt.objects.filter(pk=attempt_id, user=self.context["request"].user).first()
            if attempt is None:
                raise serializers.ValidationError("no quiz attempt of yours with this id")
            return attempt

        def validate_module(self, module_id: int) -> Any:
            module = modules_visible_to(self.context["request"].user).filter(pk=module_id).first()
            if module is None:
                raise serializers.ValidationError(f"no module with the id {module_id}")
            return module

        def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
            question, module, raw = attrs["question"], attrs["module"], attrs["answer"]
            if not module.module_questions.filter(question=question).exists():
                raise serializers.ValidationError({"question": ["this question is not part of this module's quiz"]})
            attempt = attrs.get("quiz_attempt")
            # A quiz's questions were the module's (for a placement check, the course's) when it started.
            if attempt is not None and (attempt.course_id != module.course_id
                                        or attempt.module_id not in (None, module.pk)):
                raise serializers.ValidationError({"quiz_attempt": ["this quiz attempt is not for this module"]})
            if attempt is not None and question.pk not in attempt.question_ids:
                raise serializers.ValidationError({"question": ["this question is not part of this quiz attempt"]})
            if question.type in Question.CHOICE_TYPES and any(
                isinstance(v, bool) for v in (raw if isinstance(raw, list) else [raw])
            ):
                # parse_answer would read true as the choice with id 1.
                raise serializers.ValidationError({"answer": ["choose one of the options by its id"]})
            try:
                parse_answer(question, raw)
            except InvalidAnswer as exc:
                raise serializers.ValidationError({"answer": [str(exc)]}) from None
            except OverflowError:
                # parse_answer only expects ValueError; float(10**400) and int(1e999) overflow.
                raise serializers.ValidationError({"answer": ["that number is out of range"]}) from None
            return attrs

    @extend_schema(
        parameters=[UserFilterSerializer], responses={200: ResponseOutput(many=True), 404: NOT_VISIBLE},
        tags=["responses"],
        description="Your answers, oldest first. Managers: `?user=` a member of their teams; admins: anyone.",
    )
    def get(self, request: AuthenticatedRequest) -> Response:
        filters = UserFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        learner = visible_learner_or_404(request.user, filters.validated_data.get("user"))
        responses = AnswerRecord.objects.filter(user=learner).select_related("question", "course")
        return paginated_response(request=request, view=self, queryset=responses, serializer_class=ResponseOutput)

    @extend_schema(
        request=InputSerializer,
        responses={
            201: SubmittedResponseOutput,
            200: OpenApiResponse(SubmittedResponseOutput, description="This submission_id was already recorded."),
            400: OpenApiResponse(description="Invalid input; the body names each field's problem."),
            403: OpenApiResponse(description="Not answerable here: a course not open, a finished quiz, or not the "
                                             "quiz's current question."),
            409: OpenApiResponse(description="The question was already answered in this quiz attempt (another "
                                             "submission_id, perhaps at the same moment); nothing was recorded."),
        },
        tags=["responses"],
        description="Answer a question of a module's quiz. The same `submission_id` again is the same answer: "
                    "it returns the stored response with a 200 and records nothing new. A quiz attempt takes "
                    "one answer per question.",
    )
    def post(self, request: AuthenticatedRequest) -> Response:
        serializer = self.InputSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        previous = AnswerRecord.objects.filter(user=request.user, submission_id=data["submission_id"]).first()
        if previous is not None and (previous.question_id, previous.module_id) != (data["question"].pk,
                                                                                  data["module"].pk):
            raise serializers.ValidationError(
                {"submission_id": ["this submission id was already used for another question"]}
            )
        result = response_submit(
            user=request.user, question=data["question"], module=data["module"], answer=data["answer"],
            submission_id=data["submission_id"], time_taken_ms=data.get("time_taken_ms"),
            quiz_attempt=data.get("quiz_attempt"),
        )
        return Response(submitted_response_data(result.response),
                        status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK)


# --- Progress -----------------------------------------------------------------------------------

class ModuleProgress(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.SlugField()
    title = serializers.CharField()
    completed = serializers.BooleanField()
    in_progress = serializers.BooleanField(help_text="A quiz attempt is open.")
    best_score = serializers.FloatField(allow_null=True)


class CourseProgress(serializers.Serializer):
    course = CourseRef()
    enrolled_at = serializers.DateTimeField()
    completed_at = serializers.DateTimeField(allow_null=True)
    modules_completed = serializers.IntegerField()
    modules_total = serializers.IntegerField()
    percent = serializers.IntegerField()
    questions_answered = serializers.IntegerField()
    correct_answers = serializers.IntegerField()
    accuracy_percent = serializers.IntegerField(allow_null=True)
    last_activity = serializers.DateTimeField(allow_null=True)
    modules = ModuleProgress(many=True)


class ProgressOutput(serializers.Serializer):
    class Meta:
        ref_name = "Progress"

    user = serializers.IntegerField()
    username = serializers.CharField()
    courses = CourseProgress(many=True)


def progress_for(learner: User) -> dict[str, Any]:
    """Progress in every enrolled course, computed from the response log and module completions
    (not from the enrolment summary, which a background task may not have refreshed yet)."""
    stats = {
        row["course_id"]: row
        for row in AnswerRecord.objects.filter(user=learner).values("course_id").annotate(
            answered=Count("id"), correct=Count("id", filter=Q(is_correct=True)), last=Max("created"),
        )
    }
    courses = []
    for enrollment in Enrollment.objects.filter(user=learner).select_related("course").order_by("created", "id"):
        outline = course_outline(learner, enrollment.course)
        done = sum(1 for status_ in outline if status_.completed)
        row = stats.get(enrollment.course_id, {"answered": 0, "correct": 0, "last": None})
        courses.append({
            "course": enrollment.course,
            "enrolled_at": enrollment.created,
            "completed_at": enrollment.completed_at,
            "modules_completed": done,
            "modules_total": len(outline),
            "percent": round(100 * done / len(outline)) if outline else 0,
            "questions_answered": row["answered"],
            "correct_answers": row["correct"],
            "accuracy_percent": round(100 * row["correct"] / row["answered"]) if row["answered"] else None,
            "last_activity": row["last"],
            "modules": [
                {"id": s.module.pk, "slug": s.module.slug, "title": s.module.title, "completed": s.completed,
                 "in_progress": s.in_progress, "best_score": s.best_score}
                for s in outline
            ],
        })
    return {"user": learner.pk, "username": learner.get_username(), "courses": courses}


class ProgressApi(APIView):
    @extend_schema(
        parameters=[UserFilterSerializer], responses={200: ProgressOutput, 404: NOT_VISIBLE}, tags=["progress"],
        description="Progress per enrolled course. Managers: `?user=` a member of their teams; admins: anyone.",
    )
    def get(self, request: AuthenticatedRequest) -> Response:
        filters = UserFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        learner = visible_learner_or_404(request.user, filters.validated_data.get("user"))
        return Response(ProgressOutput(progress_for(learner)).data)


# --- Quiz attempts and decisions -----------------------------------------------------------------

class DecisionOutput(serializers.Serializer):
    class Meta:
        ref_name = "Decision"

    id = serializers.IntegerField()
    kind = serializers.CharField()
    course = serializers.CharField(source="course.slug")
    response = serializers.IntegerField(source="response_id", allow_null=True)
    question = serializers.CharField(source="question.key", allow_null=True, help_text="Key of the chosen question.")
    module = serializers.IntegerField(source="module_id", allow_null=True)
    stop = serializers.CharField(help_text="Why the quiz ended (mastered, pool_exhausted), or empty.")
    decision_kind = serializers.CharField(help_text="For modules: assigned, review, learn, next_in_order or done.")
    reason = serializers.CharField(help_text="Why, in detail: the numbers the decision was made from.")
    learner_reason = serializers.CharField(help_text="Why, in the plain words the learner's pages show.")
    reason_code = serializers.CharField(help_text="The learner's reason as a code (empty for older decisions).")
    reason_params = serializers.DictField(help_text="The code's parameters: names of modules and skills, numbers.")
    # The API's name for the decision's column. DRF's metaclass takes declared fields off the class, so
    # this does not shadow Field.source at run time; the stubs see only the class body.
    source = serializers.CharField(  # type: ignore[assignment]
        help_text="worker, or web when the worker missed the deadline.")
    model_version = serializers.IntegerField(source="model_version_id", allow_null=True)
    created = serializers.DateTimeField()


class QuizAttemptOutput(serializers.Serializer):
    class Meta:
        ref_name = "QuizAttempt"

    id = serializers.UUIDField()
    kind = serializers.CharField()
    course = serializers.CharField(source="course.slug")
    module = serializers.IntegerField(source="module_id", allow_null=True)
    number = serializers.IntegerField()
    answered = serializers.IntegerField()
    max_questions = serializers.IntegerField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    current_question = QuestionLearnerOutput(allow_null=True,
                                             help_text="The question to answer now; null once the quiz is over "
                                                       "and while the next one is being decided.")
    deciding = serializers.BooleanField(help_text="The question after the latest answer is being decided: fetch the "
                                                  "attempt again shortly.")
    decision = DecisionOutput(allow_null=True, help_text="Why this question (or why the quiz ended).")


def quiz_attempt_data(attempt: QuizAttempt) -> dict[str, Any]:
    """The attempt as stored (a read: nothing is decided here)."""
    answers = attempt_answers(attempt)
    question = attempt_question(attempt, answers)
    return QuizAttemptOutput({
        "id": attempt.pk, "kind": attempt.kind, "course": attempt.course, "module_id": attempt.module_id,
        "number": attempt.number, "answered": len(answers), "max_questions": attempt.max_questions,
        "finished_at": attempt.finished_at, "current_question": question,
        "deciding": question is None and attempt.finished_at is None,
        "decision": latest_question_decision(attempt),
    }).data


class QuizAttemptListApi(APIView):
    class InputSerializer(serializers.Serializer):
        module = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False,
                                          help_text="Start (or resume) this module's quiz.")
        course = serializers.SlugField(required=False, help_text="With placement: the course to place in.")
        placement = serializers.BooleanField(default=False,
                                             help_text="Start the course's placement check (at most 5 questions).")

        class Meta:
            ref_name = "QuizAttemptStart"

        def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
            user = self.context["request"].user
            if attrs.get("placement"):
                course = Course.objects.filter(slug=attrs.get("course") or "", published=True).first()
                if course is None:
                    raise serializers.ValidationError({"course": ["give the slug of a published course"]})
                attrs["course_obj"] = course
            else:
                module = modules_visible_to(user).filter(pk=attrs.get("module") or 0).first()
                if module is None:
                    raise serializers.ValidationError({"module": ["give the id of a module you can see"]})
                attrs["module_obj"] = module
            return attrs

    @extend_schema(request=InputSerializer,
                   responses={201: QuizAttemptOutput, 200: QuizAttemptOutput,
                              403: OpenApiResponse(description="The module has no quiz yet, or the course no "
                                                               "questions.")},
                   tags=["quizzes"],
                   description="Start a module quiz (or resume the open one: 200) or a placement check. The "
                               "questions are chosen one at a time by the learner model; answer the "
                               "`current_question` with `responses/` and `quiz_attempt`, then fetch the attempt "
                               "again for the next one.")
    def post(self, request: AuthenticatedRequest) -> Response:
        serializer = self.InputSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        before = set(QuizAttempt.objects.filter(user=request.user).values_list("pk", flat=True))
        if data.get("placement"):
            attempt = placement_start(user=request.user, course=data["course_obj"])
        else:
            attempt = quiz_attempt_start(user=request.user, module=data["module_obj"])
        return Response(quiz_attempt_data(attempt),
                        status=status.HTTP_200_OK if attempt.pk in before else status.HTTP_201_CREATED)


class QuizAttemptDetailApi(APIView):
    @extend_schema(responses={200: QuizAttemptOutput, 404: OpenApiResponse(description="Not one of yours.")},
                   tags=["quizzes"],
                   description="The attempt with its current question. Right after an answer the next question "
                               "is being decided by a worker (`deciding` is true, `current_question` null), usually "
                               "in well under a second: fetch the attempt again shortly. A GET never changes the "
                               "attempt; past the decision deadline, POST to this URL.")
    def get(self, request: AuthenticatedRequest, attempt_id: Any) -> Response:
        return Response(quiz_attempt_data(self._attempt(request, attempt_id)))

    @extend_schema(request=None, operation_id="v1_quiz_attempts_decide",
                   responses={200: QuizAttemptOutput, 404: OpenApiResponse(description="Not one of yours.")},
                   tags=["quizzes"],
                   description="Decide the next question now, from your last stored learner state, when the worker "
                               "has not (it is late or down), and return the attempt. Once a question is decided "
                               "this changes nothing.")
    def post(self, request: AuthenticatedRequest, attempt_id: Any) -> Response:
        attempt = self._attempt(request, attempt_id)
        quiz_attempt_next_question(attempt=attempt)
        return Response(quiz_attempt_data(attempt))

    @staticmethod
    def _attempt(request: AuthenticatedRequest, attempt_id: Any) -> QuizAttempt:
        attempt = QuizAttempt.objects.filter(pk=attempt_id, user=request.user).select_related("course").first()
        if attempt is None:
            raise exceptions.NotFound("no quiz attempt of yours with this id")
        return attempt


class DecisionFilter(UserFilterSerializer):
    response = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False)
    kind = serializers.ChoiceField(choices=["question", "module"], required=False)


class DecisionListApi(APIView):
    pagination_class = Pagination

    @extend_schema(parameters=[DecisionFilter], responses={200: DecisionOutput(many=True), 404: NOT_VISIBLE},
                   tags=["quizzes"],
                   description="The decisions made for you (newest first), each with its reason. Managers: "
                               "`?user=` a member of their teams; admins: anyone.")
    def get(self, request: AuthenticatedRequest) -> Response:
        filters = DecisionFilter(data=request.query_params)
        filters.is_valid(raise_exception=True)
        learner = visible_learner_or_404(request.user, filters.validated_data.get("user"))
        decisions = Decision.objects.filter(user=learner).select_related("course", "question")
        if "response" in filters.validated_data:
            decisions = decisions.filter(response_id=filters.validated_data["response"])
        if "kind" in filters.validated_data:
            decisions = decisions.filter(kind=filters.validated_data["kind"])
        return paginated_response(request=request, view=self, queryset=decisions, serializer_class=DecisionOutput)


# --- Mastery and recommendations ------------------------------------------------------------------

class MasteryFilter(serializers.Serializer):
    course = serializers.SlugField(help_text="Slug of the course whose skills to list.")


class SkillMasteryOutput(serializers.Serializer):
    class Meta:
        ref_name = "SkillMastery"

    skill = serializers.SlugField()
    name = serializers.CharField()
    mastery = serializers.FloatField(allow_null=True, help_text="Predicted success on the skill; null if not estimated.")
    estimated = serializers.BooleanField(help_text="Whether the learner model has an estimate for this learner yet.")


class MasteryOutput(serializers.Serializer):
    class Meta:
        ref_name = "LearnerMastery"

    user = serializers.IntegerField()
    course = serializers.SlugField()
    model_version = serializers.IntegerField(allow_null=True, help_text="The model the estimates come from.")
    responses_seen = serializers.IntegerField(help_text="Answers the learner model has taken in.")
    skills = SkillMasteryOutput(many=True, help_text="Every skill of the course, by name.")


def _visible_course_or_400(user: User, slug: str) -> Course:
    course = courses_visible_to(user).filter(slug=slug).first()
    if course is None:
        raise serializers.ValidationError({"course": [f"no course with the slug {slug!r}"]})
    return course


class LearnerMasteryApi(APIView):
    @extend_schema(
        parameters=[MasteryFilter], responses={200: MasteryOutput, 400: OpenApiResponse(description="No such course."),
                                                404: NOT_VISIBLE},
        tags=["progress"],
        description="The learner model's mastery of each skill of a course, as of the learner's last answer "
                    "(as the dashboards show it). Learners: themselves; managers: their teams' members; admins: "
                    "anyone.",
    )
    def get(self, request: AuthenticatedRequest, user_id: int) -> Response:
        filters = MasteryFilter(data=request.query_params)
        filters.is_valid(raise_exception=True)
        course = _visible_course_or_400(request.user, filters.validated_data["course"])
        learner = visible_learner_or_404(request.user, user_id)
        row = LearnerState.objects.filter(user=learner).first()
        mastery = dict(row.mastery) if row else {}
        return Response(MasteryOutput({
            "user": learner.pk,
            "course": course.slug,
            "model_version": row.model_version_id if row else None,
            "responses_seen": row.responses_seen if row else 0,
            "skills": [
                {"skill": skill.slug, "name": skill.name, "mastery": mastery.get(skill.slug),
                 "estimated": skill.slug in mastery}
                for skill in course_skills(course)
            ],
        }).data)


class ModuleRef(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.SlugField()
    title = serializers.CharField()


class RecommendationOutput(serializers.Serializer):
    class Meta:
        ref_name = "Recommendation"

    module = ModuleRef(allow_null=True, help_text="The module to study next; null once the course is done.")
    kind = serializers.CharField(
        source="decision_kind",
        help_text="assigned, review, learn, move_on or next_in_order (the fixed order, or no model yet); done.",
    )
    reason = serializers.CharField(help_text="Why, in detail: the numbers the recommendation was made from.")
    learner_reason = serializers.CharField(help_text="Why, in the plain words the learner's pages show.")
    decided_at = serializers.DateTimeField(
        source="created", allow_null=True,
        help_text="When the stored recommendation was made; null when it was made for this request.",
    )
    model_version = serializers.IntegerField(source="model_version_id", allow_null=True)


class CourseRecommendationApi(APIView):
    @extend_schema(
        parameters=[UserFilterSerializer],
        responses={200: RecommendationOutput, 400: OpenApiResponse(description="A malformed user id."),
                   404: OpenApiResponse(description="No such course, or no such learner, or not one of yours.")},
        tags=["progress"],
        description="The module recommended next in a course, with its reason: the stored recommendation while it "
                    "stands, else one made now from the learner's stored state (also before their first answer). "
                    "Reading it stores nothing. Managers: `?user=` a member of their teams; admins: anyone.",
    )
    def get(self, request: AuthenticatedRequest, slug: str) -> Response:
        filters = UserFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        course = courses_visible_to(request.user).filter(slug=slug).first()
        if course is None:
            raise exceptions.NotFound("No such course.")
        learner = visible_learner_or_404(request.user, filters.validated_data.get("user"))
        decision = recommended_module(learner.pk, course)
        return Response(RecommendationOutput(decision).data)
