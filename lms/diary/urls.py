from django.urls import path

from lms.diary import views

urlpatterns = [
    path("", views.diary, name="diary"),
    path("new/", views.entry_new, name="diary_entry_new"),
    path("entries/<int:entry_id>/", views.entry_detail, name="diary_entry"),
    path("entries/<int:entry_id>/share/", views.entry_share, name="diary_entry_share"),
    path("export.md", views.diary_export, name="diary_export"),
    path("invitation/dismiss/", views.prompt_dismiss, name="diary_prompt_dismiss"),
    path("team/", views.team_diaries, name="diary_team"),
]
