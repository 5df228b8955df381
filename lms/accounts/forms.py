from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from lms.accounts.models import Team
from lms.content.models import Module

WHOLE_TEAM = ""


class AssignmentForm(forms.Form):
    """A manager assigns a module to a member of their team or to the whole team."""

    module = forms.ModelChoiceField(queryset=Module.objects.none(), label="Module")
    learner = forms.ChoiceField(label="For", required=False)
    due = forms.DateField(label="Due date (optional)", required=False,
                          widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, team: Team, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.team = team
        self.fields["module"].queryset = Module.objects.filter(course__published=True).select_related(
            "course").order_by("course__title", "order")
        self.fields["module"].label_from_instance = lambda m: f"{m.course.title}: {m.title}"
        members = team.members.order_by("username")
        self.fields["learner"].choices = [(WHOLE_TEAM, f"The whole team ({team.name})")] + [
            (str(m.pk), m.get_full_name() or m.get_username()) for m in members]

    def clean_due(self) -> Any:
        due = self.cleaned_data.get("due")
        if due and due < timezone.localdate():
            raise forms.ValidationError("Choose a date that is not in the past.")
        return due

    def clean_learner(self) -> Any:
        value = self.cleaned_data.get("learner") or WHOLE_TEAM
        if value == WHOLE_TEAM:
            return None
        member = self.team.members.filter(pk=value).first()
        if member is None:
            raise forms.ValidationError("Choose a member of this team.")
        return member


class TwoFactorCodeForm(forms.Form):
    """The six-digit code of an authenticator app."""

    code = forms.CharField(
        label="Code from your authenticator app", max_length=8, min_length=6,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric",
                                      "pattern": "[0-9 ]*", "autofocus": True}),
    )

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].replace(" ", "")
        if not code.isdigit():
            raise forms.ValidationError("Enter the digits shown in your app.")
        return code
