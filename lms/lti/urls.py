from django.urls import path

from lms.lti import views

urlpatterns = [
    path("jwks/", views.jwks, name="lti_jwks"),
    path("login/", views.login_initiation, name="lti_login"),
    path("launch/", views.launch, name="lti_launch"),
    path("deep-link/", views.deep_link, name="lti_deep_link"),
]
