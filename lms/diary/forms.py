from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lms.content.models import Skill
from lms.diary.models import METHODS

CONFIDENCE_CHOICES = [
    (1, gettext_lazy("1 · not at all")),
    (2, "2"),
    (3, gettext_lazy("3 · somewhat")),
    (4, "4"),
    (5, gettext_lazy("5 · very")),
]


class DiaryEntryForm(forms.Form):
    """A reflection. Only "what you studied" is required; every confidence rating is optional."""

    submission_id = forms.UUIDField(widget=forms.HiddenInput)
    studied = forms.CharField(
        label=gettext_lazy("What did you study?"), max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("A sentence or two is enough."),
        error_messages={"required": gettext_lazy("Write a few words about what you studied.")},
    )
    methods = forms.MultipleChoiceField(
        label=gettext_lazy("Which methods helped?"), choices=METHODS, required=False, widget=forms.CheckboxSelectMultiple,
    )
    other_method = forms.CharField(label=gettext_lazy("Something else that helped"), max_length=300, required=False)
    shared = forms.BooleanField(
        label=gettext_lazy("Share this entry with my managers"), required=False,
        help_text=gettext_lazy("Otherwise only you can read it. Managers always see how many entries you wrote, never the text."),
    )

    def __init__(self, *args: Any, skills: list[Skill], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.skills = skills
        for skill in skills:
            self.fields[self.rating_field(skill)] = forms.TypedChoiceField(
                label=_("How confident do you feel about %(skill)s?") % {"skill": skill.name}, choices=CONFIDENCE_CHOICES, coerce=int,
                required=False, empty_value=None, widget=forms.RadioSelect,
            )

    @staticmethod
    def rating_field(skill: Skill) -> str:
        return f"confidence-{skill.slug}"

    def rating_fields(self) -> list[forms.BoundField]:
        return [self[self.rating_field(skill)] for skill in self.skills]

    def ratings(self) -> dict[Skill, int]:
        return {skill: self.cleaned_data[self.rating_field(skill)] for skill in self.skills
                if self.cleaned_data.get(self.rating_field(skill)) is not None}


class ShareForm(forms.Form):
    shared = forms.BooleanField(required=False)
