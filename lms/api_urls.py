"""The REST API, mounted at /api/v1/. Documented at /api/docs/ (schema at /api/schema/)."""

from django.urls import path

from lms.accounts.apis import (
    MeApi,
    TeamListApi,
    TeamMembersApi,
    TokenDetailApi,
    TokenListApi,
    TokenObtainApi,
    UserDetailApi,
    UserListApi,
)
from lms.content.apis import (
    CourseDetailApi,
    CourseListApi,
    ModuleDetailApi,
    ModuleListApi,
    QuestionDetailApi,
    QuestionListApi,
    SkillDetailApi,
    SkillListApi,
)
from lms.diary.apis import DiaryCountsApi, DiaryEntryDetailApi, DiaryEntryListApi
from lms.learning.apis import (
    CourseRecommendationApi,
    DecisionListApi,
    EnrollmentListApi,
    LearnerMasteryApi,
    ProgressApi,
    QuizAttemptDetailApi,
    QuizAttemptListApi,
    ResponseListApi,
)

app_name = "api"

urlpatterns = [
    path("auth/token/", TokenObtainApi.as_view(), name="token"),
    path("auth/tokens/", TokenListApi.as_view(), name="tokens"),
    path("auth/tokens/<str:token_id>/", TokenDetailApi.as_view(), name="token_detail"),
    path("me/", MeApi.as_view(), name="me"),
    path("users/", UserListApi.as_view(), name="users"),
    path("users/<int:user_id>/", UserDetailApi.as_view(), name="user"),
    path("teams/", TeamListApi.as_view(), name="teams"),
    path("teams/<slug:slug>/members/", TeamMembersApi.as_view(), name="team_members"),
    path("courses/", CourseListApi.as_view(), name="courses"),
    path("courses/<slug:slug>/", CourseDetailApi.as_view(), name="course"),
    path("courses/<slug:slug>/recommendation/", CourseRecommendationApi.as_view(), name="course_recommendation"),
    path("modules/", ModuleListApi.as_view(), name="modules"),
    path("modules/<int:module_id>/", ModuleDetailApi.as_view(), name="module"),
    path("questions/", QuestionListApi.as_view(), name="questions"),
    path("questions/<str:key>/", QuestionDetailApi.as_view(), name="question"),
    path("skills/", SkillListApi.as_view(), name="skills"),
    path("skills/<slug:slug>/", SkillDetailApi.as_view(), name="skill"),
    path("enrollments/", EnrollmentListApi.as_view(), name="enrollments"),
    path("responses/", ResponseListApi.as_view(), name="responses"),
    path("progress/", ProgressApi.as_view(), name="progress"),
    path("learners/<int:user_id>/mastery/", LearnerMasteryApi.as_view(), name="learner_mastery"),
    path("quiz-attempts/", QuizAttemptListApi.as_view(), name="quiz_attempts"),
    path("quiz-attempts/<uuid:attempt_id>/", QuizAttemptDetailApi.as_view(), name="quiz_attempt"),
    path("decisions/", DecisionListApi.as_view(), name="decisions"),
    path("diary/entries/", DiaryEntryListApi.as_view(), name="diary_entries"),
    path("diary/entries/<int:entry_id>/", DiaryEntryDetailApi.as_view(), name="diary_entry"),
    path("diary/counts/", DiaryCountsApi.as_view(), name="diary_counts"),
]
