from django.urls import path

from lms.learning import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("goal/", views.weekly_goal, name="weekly_goal"),
    path("courses/<slug:slug>/", views.course_detail, name="course"),
    path("courses/<slug:slug>/enrol/", views.enrol, name="enrol"),
    path("courses/<slug:slug>/placement/", views.placement, name="placement"),
    path("courses/<slug:course_slug>/<slug:module_slug>/", views.module_detail, name="module"),
    path("courses/<slug:course_slug>/<slug:module_slug>/quiz/", views.quiz_start, name="quiz_start"),
    path("quiz/<uuid:attempt_id>/", views.quiz, name="quiz"),
    path("quiz/<uuid:attempt_id>/questions/<int:question_id>/answer/", views.quiz_answer, name="quiz_answer"),
    path("quiz/<uuid:attempt_id>/feedback/<uuid:submission_id>/", views.quiz_feedback, name="quiz_feedback"),
    path("quiz/<uuid:attempt_id>/next/<int:response_id>/", views.quiz_next, name="quiz_next"),
    path("quiz/<uuid:attempt_id>/decide/", views.quiz_decide, name="quiz_decide"),
    path("quiz/<uuid:attempt_id>/summary/", views.quiz_summary, name="quiz_summary"),
]
