"""Single sign-on's addresses, under /sso/. Only the identity providers' own routes and the pages
they end on: allauth's sign-in, sign-up and password pages are not routed, so the site's sign-in
page (lms.accounts) stays the only place a password is typed."""

from allauth.socialaccount import views as socialaccount_views
from allauth.socialaccount.providers.saml import urls as saml_urls
from django.urls import include, path
from django.views.generic import RedirectView

from lms.sso import oidc, views

urlpatterns = [
    path("oidc/<str:provider_id>/login/", oidc.login, name="openid_connect_login"),
    path("oidc/<str:provider_id>/login/callback/", oidc.callback, name="openid_connect_callback"),
    path("", include(saml_urls)),
    path("login/cancelled/", socialaccount_views.login_cancelled, name="socialaccount_login_cancelled"),
    path("login/error/", socialaccount_views.login_error, name="socialaccount_login_error"),
    path("signup/", socialaccount_views.signup, name="socialaccount_signup"),
    path("inactive/", views.account_inactive, name="account_inactive"),
    # allauth's pages link to (and its views redirect to) "account_login": the site's sign-in page.
    path("login/", RedirectView.as_view(pattern_name="login", query_string=True), name="account_login"),
]
