from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("lms.accounts.urls")),
    path("analytics/", include("lms.analytics.urls")),
    path("api/v1/", include("lms.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api_docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="api_redoc"),
    path("diary/", include("lms.diary.urls")),
    path("", include("lms.content.urls")),
    path("", include("lms.learning.urls")),
]
