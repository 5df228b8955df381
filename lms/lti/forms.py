from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from lms.content.models import Course, Module


class DeepLinkChoiceForm(forms.Form):
    """One course, or one module of a course: ``course:<id>`` or ``module:<id>``."""

    choice = forms.ChoiceField(label=_("What to add"), widget=forms.RadioSelect,
                               error_messages={"required": _("Choose a course or a module to add."),
                                               "invalid_choice": _("Choose a course or a module from the list.")})

    def __init__(self, *args: Any, courses: list[Course], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._courses = {course.pk: course for course in courses}
        self._modules = {module.pk: module for course in courses for module in course.modules.all()}
        choice = self.fields["choice"]
        assert isinstance(choice, forms.ChoiceField)
        choice.choices = (
            [(f"course:{pk}", course.title) for pk, course in self._courses.items()]
            + [(f"module:{pk}", module.title) for pk, module in self._modules.items()])

    def chosen(self) -> tuple[Course, Module | None]:
        kind, _colon, pk = self.cleaned_data["choice"].partition(":")
        if kind == "course":
            return self._courses[int(pk)], None
        module = self._modules[int(pk)]
        return self._courses[module.course_id], module

    def chosen_title(self) -> str:
        course, module = self.chosen()
        return f"{course.title}: {module.title}" if module is not None else course.title
