from django.urls import path

from lms.content import views

urlpatterns = [
    path("images/<int:image_id>/<str:filename>", views.module_image, name="module_image"),
    path("preview/modules/<int:module_id>/", views.module_preview, name="module_preview"),
    path("author/", views.authoring_courses, name="authoring_courses"),
    path("author/courses/<slug:slug>/", views.authoring_course, name="authoring_course"),
    path("author/courses/<slug:slug>/modules/new/", views.authoring_module, name="authoring_module_new"),
    path("author/courses/<slug:slug>/modules/<int:module_id>/", views.authoring_module, name="authoring_module"),
    path("author/modules/<int:module_id>/questions/new/", views.authoring_question, name="authoring_question_new"),
    path("author/modules/<int:module_id>/questions/<int:question_id>/", views.authoring_question,
         name="authoring_question"),
]
