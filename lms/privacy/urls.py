from django.urls import path

from lms.privacy import views

urlpatterns = [
    path("accounts/me/data/", views.data_export, name="data_export"),
    path("accounts/me/delete/", views.account_delete, name="account_delete"),
    path("accounts/me/delete/withdraw/", views.account_delete_withdraw, name="account_delete_withdraw"),
]
