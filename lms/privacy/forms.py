from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class DeletionConfirmForm(forms.Form):
    confirm = forms.BooleanField(
        required=True, label=_("I understand that my account and what I wrote will be deleted, and that this cannot "
                               "be undone once an admin has done it."),
        error_messages={"required": _("Tick the box to confirm, or go back to your account page.")})
