from __future__ import annotations

from typing import Any

from django import forms

from lms.content.grading import InvalidAnswer, parse_answer
from lms.content.models import Question


class AnswerForm(forms.Form):
    """One question's answer. The widget follows the question type; validation uses the same
    parser as the API, so both accept exactly the same answers."""

    submission_id = forms.UUIDField(widget=forms.HiddenInput)
    shown_at = forms.DateTimeField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, question: Question, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.question = question
        qtype = question.type
        label = "Your answer"
        if qtype == Question.SINGLE:
            field: forms.Field = forms.ChoiceField(
                label=label, widget=forms.RadioSelect,
                choices=[(c.pk, c.text) for c in question.choices.all()],
                error_messages={"required": "Choose an option."},
            )
        elif qtype == Question.MULTIPLE:
            field = forms.MultipleChoiceField(
                label=f"{label} (choose all that apply)", widget=forms.CheckboxSelectMultiple,
                choices=[(c.pk, c.text) for c in question.choices.all()],
                error_messages={"required": "Choose at least one option."},
            )
        elif qtype == Question.TRUE_FALSE:
            field = forms.ChoiceField(
                label=label, widget=forms.RadioSelect, choices=[("true", "True"), ("false", "False")],
                error_messages={"required": "Choose true or false."},
            )
        elif qtype == Question.NUMERIC:
            field = forms.CharField(
                label=label, max_length=50,
                widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
                error_messages={"required": "Enter a number."},
            )
        else:
            field = forms.CharField(
                label=label, max_length=500, widget=forms.TextInput(attrs={"autocomplete": "off"}),
                error_messages={"required": "Type an answer."},
            )
        self.fields["answer"] = field

    def clean_answer(self) -> Any:
        raw = self.cleaned_data["answer"]
        try:
            return parse_answer(self.question, raw)
        except InvalidAnswer as exc:
            raise forms.ValidationError(str(exc).capitalize() + ".") from None
