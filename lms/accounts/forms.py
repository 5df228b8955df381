from __future__ import annotations

from typing import Any
from zoneinfo import available_timezones

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _

from lms.accounts.models import Team
from lms.content.models import Module



class TeamAssignmentForm(forms.Form):
    """A manager assigns a module, optionally by a date, to the learners ticked on the team page
    (``learners``) or to the whole team (the ``whole_team`` button)."""

    module = forms.ModelChoiceField(queryset=Module.objects.none(), label=_("Module"))
    due = forms.DateField(label=_("Due date (optional)"), required=False,
                          widget=forms.DateInput(attrs={"type": "date"}))
    learners = forms.MultipleChoiceField(required=False, error_messages={
        "invalid_choice": _("Tick only members of this team (one of those ticked has left it).")})
    whole_team = forms.BooleanField(required=False)

    def __init__(self, *args: Any, team: Team, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.team = team
        self.fields["module"].queryset = Module.objects.filter(course__published=True).select_related(
            "course").order_by("course__title", "order")
        self.fields["module"].label_from_instance = lambda m: f"{m.course.title}: {m.title}"
        self.fields["learners"].choices = [(str(pk), str(pk)) for pk in team.members.values_list("pk", flat=True)]

    def clean_due(self) -> Any:
        due = self.cleaned_data.get("due")
        if due and due < timezone.localdate():
            raise forms.ValidationError(_("Choose a date that is not in the past."))
        return due

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("whole_team") and not data.get("learners") and "learners" not in self.errors:
            raise forms.ValidationError(_("Tick at least one learner in the table, or assign to the whole team."))
        return data

    def chosen_learners(self) -> list[Any]:
        """The members ticked, in name order (empty when the whole team is chosen)."""
        if self.cleaned_data.get("whole_team"):
            return []
        return list(self.team.members.filter(pk__in=self.cleaned_data["learners"]).order_by("username"))


class TwoFactorCodeForm(forms.Form):
    """The six-digit code of an authenticator app."""

    code = forms.CharField(
        label=_("Code from your authenticator app"), max_length=8, min_length=6,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric",
                                      "pattern": "[0-9 ]*", "autofocus": True}),
    )

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].replace(" ", "")
        if not code.isdigit():
            raise forms.ValidationError(_("Enter the digits shown in your app."))
        return code


class PreferencesForm(forms.Form):
    """The language and time zone the site is shown in. Languages are named in their own language,
    so a user who landed on the wrong one still finds theirs."""

    language = forms.ChoiceField(label=_("Language"), required=False)
    time_zone = forms.ChoiceField(label=_("Time zone"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = [("", _("The language of my browser"))] + [
            (code, get_language_info(code)["name_local"].capitalize()) for code, _name in settings.LANGUAGES]
        self.fields["time_zone"].choices = [("", _("The site's time zone (%(zone)s)") % {"zone": settings.TIME_ZONE})] + [
            (zone, zone.replace("_", " ")) for zone in sorted(available_timezones())]
