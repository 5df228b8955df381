from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from lms.accounts.views import admin_login
from lms.analytics.team_views import team_detail
from lms.people.admin import people_import_admin

urlpatterns = [
    # Before the admin's own: one sign-in page, with its rate limit, lockout and two-factor step.
    path("admin/login/", admin_login, name="admin_login"),
    path("admin/people/import/", people_import_admin, name="people_import"),
    path("admin/", admin.site.urls),
    # A team's page is the manager's (assignments, mastery, overdue): it lives with the manager's
    # pages in analytics, at the address it has always had.
    path("accounts/teams/<slug:slug>/", team_detail, name="team_detail"),
    path("accounts/", include("lms.accounts.urls")),
    path("sso/", include("lms.sso.urls")),
    path("analytics/", include("lms.analytics.urls")),
    path("api/v1/", include("lms.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script as a file, which the Content-Security-Policy allows.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api_docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="api_redoc"),
    path("diary/", include("lms.diary.urls")),
    path("lti/", include("lms.lti.urls")),
    path("scim/v2/", include("django_scim.urls", namespace="scim")),
    path("", include("lms.notifications.urls")),
    path("", include("lms.privacy.urls")),
    path("", include("lms.content.urls")),
    path("", include("lms.learning.urls")),
]
