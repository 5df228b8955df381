from django.urls import path

from lms.analytics import views

urlpatterns = [
    path("", views.overview, name="analytics_overview"),
    path("week/", views.this_week, name="analytics_week"),
    path("heatmap/", views.heatmap, name="analytics_heatmap"),
    path("at-risk/", views.at_risk, name="analytics_at_risk"),
    path("content/", views.content_quality, name="analytics_content"),
    path("compare/", views.compare, name="analytics_compare"),
    path("model/", views.model_health, name="analytics_model"),
    path("learners/<int:user_id>/", views.learner, name="analytics_learner"),
    path("learners/<int:user_id>/notes/", views.learner_note_add, name="analytics_learner_note"),
    path("learners/<int:user_id>/assign/", views.learner_assign, name="analytics_learner_assign"),
    path("learners/<int:user_id>/message/", views.learner_message, name="analytics_learner_message"),
]
