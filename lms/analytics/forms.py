from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lms.accounts.models import Team
from lms.content.models import Course, Module

DUE_HELP = _("The module is due by midnight at the end of that day, in each learner's own time zone.")


class DateInput(forms.DateInput):
    input_type = "date"


class FilterForm(forms.Form):
    """The filters every dashboard shares. Teams are limited to those the viewer may see; a team
    outside them is not a validation error but a 404 (``views._scope``)."""

    team = forms.ModelChoiceField(queryset=Team.objects.none(), required=False, to_field_name="slug",
                                  empty_label=_("All my teams"), label=_("Team"))
    course = forms.ModelChoiceField(queryset=Course.objects.order_by("title"), required=False,
                                    to_field_name="slug", empty_label=_("All courses"), label=_("Course"))
    start = forms.DateField(required=False, widget=DateInput, label=_("From"))
    end = forms.DateField(required=False, widget=DateInput, label=_("To"))

    def __init__(self, *args: Any, teams: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["team"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = teams

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            raise forms.ValidationError(_("The start date is after the end date."))
        return data


class CoachNoteForm(forms.Form):
    text = forms.CharField(label=_("Coach's note"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3}),
                           help_text=_("Seen by this learner's managers and by admins, not by the learner."))

    def clean_text(self) -> str:
        text = self.cleaned_data["text"].strip()
        if not text:
            raise forms.ValidationError(_("Write something first."))
        return text


class LearnerAssignForm(forms.Form):
    """Assign one module of a published course to one learner, optionally by a date."""

    module = forms.ModelChoiceField(queryset=Module.objects.filter(course__published=True), label=_("Module"),
                                    error_messages={"invalid_choice": _("Choose one of the modules offered.")})
    due = forms.DateField(label=_("Due date (optional)"), required=False, widget=DateInput,
                          help_text=DUE_HELP)

    def clean_due(self) -> Any:
        due = self.cleaned_data.get("due")
        if due and due < timezone.localdate():
            raise forms.ValidationError(_("Choose a date that is not in the past."))
        return due


class LearnerMessageForm(forms.Form):
    text = forms.CharField(label=_("Message"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3}),
                           help_text=_("Sent by email from Pathwise in your name; the learner can reply to you."))

    def clean_text(self) -> str:
        text = self.cleaned_data["text"].strip()
        if not text:
            raise forms.ValidationError(_("Write something first."))
        return text


class ModuleChoiceField(forms.ModelChoiceField):
    """Modules named with their course, since two courses may have modules of the same title."""

    def label_from_instance(self, obj: Module) -> str:
        return f"{obj.course.title}: {obj.title}"


class TeamAssignmentForm(forms.Form):
    """A manager assigns a module, optionally by a date, to the learners ticked on the team page
    (``learners``) or to the whole team (the ``whole_team`` button)."""

    module = ModuleChoiceField(queryset=Module.objects.none(), label=_("Module"))
    due = forms.DateField(label=_("Due date (optional)"), required=False,
                          widget=forms.DateInput(attrs={"type": "date"}), help_text=DUE_HELP)
    learners = forms.MultipleChoiceField(required=False, error_messages={
        "invalid_choice": _("Tick only members of this team (one of those ticked has left it).")})
    whole_team = forms.BooleanField(required=False)

    def __init__(self, *args: Any, team: Team, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.team = team
        module, learners = self.fields["module"], self.fields["learners"]
        assert isinstance(module, ModuleChoiceField) and isinstance(learners, forms.MultipleChoiceField)
        module.queryset = Module.objects.filter(course__published=True).select_related(
            "course").order_by("course__title", "order")
        learners.choices = [(str(pk), str(pk)) for pk in team.members.values_list("pk", flat=True)]

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
