from django.urls import path

from lms.notifications import views

urlpatterns = [
    path("accounts/me/email/", views.email_settings_save, name="email_settings"),
    path("accounts/me/calendar/new/", views.calendar_feed_new, name="calendar_feed_new"),
    path("accounts/me/calendar/off/", views.calendar_feed_off, name="calendar_feed_off"),
    path("email/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar_feed"),
]
