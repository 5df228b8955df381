from django.urls import path

from lms.content import views

urlpatterns = [
    path("images/<int:image_id>/<str:filename>", views.module_image, name="module_image"),
    path("preview/modules/<int:module_id>/", views.module_preview, name="module_preview"),
]
