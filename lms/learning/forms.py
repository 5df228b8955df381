from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from lms.content.grading import InvalidAnswer, parse_answer
from lms.content.models import Question
from lms.learning.models import WeeklyGoal


class AnswerForm(forms.Form):
    """One question's answer. The widget follows the question type; validation uses the same
    parser as the API, so both accept exactly the same answers."""

    submission_id = forms.UUIDField(widget=forms.HiddenInput)
    shown_at = forms.DateTimeField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, question: Question, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.question = question
        qtype = question.type
        label = _("Your answer")
        if qtype == Question.SINGLE:
            field: forms.Field = forms.ChoiceField(
                label=label, widget=forms.RadioSelect,
                choices=[(c.pk, c.text) for c in question.choices.all()],
                error_messages={"required": _("Choose an option.")},
            )
        elif qtype == Question.MULTIPLE:
            field = forms.MultipleChoiceField(
                label=_("%(label)s (choose all that apply)") % {"label": label}, widget=forms.CheckboxSelectMultiple,
                choices=[(c.pk, c.text) for c in question.choices.all()],
                error_messages={"required": _("Choose at least one option.")},
            )
        elif qtype == Question.TRUE_FALSE:
            field = forms.ChoiceField(
                label=label, widget=forms.RadioSelect, choices=[("true", _("True")), ("false", _("False"))],
                error_messages={"required": _("Choose true or false.")},
            )
        elif qtype == Question.NUMERIC:
            field = forms.CharField(
                label=label, max_length=50,
                widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
                error_messages={"required": _("Enter a number.")},
            )
        else:
            field = forms.CharField(
                label=label, max_length=500, widget=forms.TextInput(attrs={"autocomplete": "off"}),
                error_messages={"required": _("Type an answer.")},
            )
        self.fields["answer"] = field

    def clean_answer(self) -> Any:
        raw = self.cleaned_data["answer"]
        try:
            return parse_answer(self.question, raw)
        except InvalidAnswer as exc:
            raise forms.ValidationError(str(exc).capitalize() + ".") from None


class WeeklyGoalForm(forms.Form):
    """How many days a week the learner means to practise (0: no goal)."""

    days_per_week = forms.TypedChoiceField(coerce=int, empty_value=None)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Set here, not on the field, so the words are in the language of the request.
        field = self.fields["days_per_week"]
        assert isinstance(field, forms.TypedChoiceField)
        field.label = _("Days of practice a week")
        field.error_messages = {"required": _("Choose a number of days from the list."),
                                "invalid_choice": _("Choose a number of days from the list.")}
        field.choices = [(0, _("No weekly goal"))] + [
            (n, ngettext("%(count)d day a week", "%(count)d days a week", n) % {"count": n})
            for n in range(1, WeeklyGoal.MAX_DAYS + 1)]
