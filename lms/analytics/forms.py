from __future__ import annotations

from typing import Any

from django import forms

from lms.accounts.models import Team
from lms.content.models import Course


class DateInput(forms.DateInput):
    input_type = "date"


class FilterForm(forms.Form):
    """The filters every dashboard shares. Teams are limited to those the viewer may see; a team
    outside them is not a validation error but a 404 (``views._scope``)."""

    team = forms.ModelChoiceField(queryset=Team.objects.none(), required=False, to_field_name="slug",
                                  empty_label="All my teams")
    course = forms.ModelChoiceField(queryset=Course.objects.order_by("title"), required=False,
                                    to_field_name="slug", empty_label="All courses")
    start = forms.DateField(required=False, widget=DateInput, label="From")
    end = forms.DateField(required=False, widget=DateInput, label="To")

    def __init__(self, *args: Any, teams: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["team"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = teams

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            raise forms.ValidationError("The start date is after the end date.")
        return data


class CoachNoteForm(forms.Form):
    text = forms.CharField(label="Coach's note", max_length=4000, widget=forms.Textarea(attrs={"rows": 3}),
                           help_text="Seen by this learner's managers and by admins, not by the learner.")

    def clean_text(self) -> str:
        text = self.cleaned_data["text"].strip()
        if not text:
            raise forms.ValidationError("Write something first.")
        return text
