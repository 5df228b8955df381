"""Writing questions in the product's own pages: the question form (every type, its choices with
their feedback, the correct answer, the skills), the checks an author reads in plain words, and the
one write that saves a question and puts it in a module's quiz, all or nothing.

The question itself is written by ``lms.content.services.question_save``, as the API writes it, so
choice ids (kept in learners' answers) survive an edit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.db import transaction
from django.db.models import Max, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lms.content.importing import KEY_RE
from lms.content.markdown import render_markdown
from lms.content.models import Course, Module, ModuleQuestion, Question, Skill
from lms.content.selectors import image_urls_for
from lms.content.services import module_save, question_save

CHOICE_ROWS_MIN = 4  # rows shown for choices: the existing ones, then blank ones up to this many
CHOICE_ROWS_SPARE = 2  # blank rows always offered after the existing choices


class ChoiceForm(forms.Form):
    """One row of choices; a row left blank is no choice."""

    choice_id = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)
    text = forms.CharField(required=False, max_length=500, label=gettext_lazy("Choice"))
    is_correct = forms.BooleanField(required=False, label=gettext_lazy("Correct"))
    feedback = forms.CharField(required=False, max_length=500, label=gettext_lazy("Feedback when chosen"))

    def is_blank(self) -> bool:
        data = self.cleaned_data
        return not data.get("text", "").strip() and not data.get("feedback", "").strip() and not data.get("is_correct")


ChoiceFormSet = forms.formset_factory(ChoiceForm, extra=0, max_num=20, absolute_max=20)


def choice_formset(question: Question | None, data: Any = None) -> forms.BaseFormSet:
    rows = [{"choice_id": c.pk, "text": c.text, "is_correct": c.is_correct, "feedback": c.feedback}
            for c in (question.choices.all() if question is not None and question.pk else [])]
    rows += [{} for _ in range(max(CHOICE_ROWS_SPARE, CHOICE_ROWS_MIN - len(rows)))]
    if data is not None:
        return ChoiceFormSet(data, prefix="choices")
    return ChoiceFormSet(initial=rows, prefix="choices")


class QuestionAuthorForm(forms.Form):
    """A question of any type. Fields that do not apply to the chosen type are ignored on save."""

    key = forms.CharField(max_length=100, label=gettext_lazy("Key"),
                          help_text=gettext_lazy("Names the question in every course and package: letters, digits, "
                                                 "dots, hyphens and underscores."))
    type = forms.ChoiceField(label=gettext_lazy("Type"), choices=[
        (Question.SINGLE, gettext_lazy("Single choice")), (Question.MULTIPLE, gettext_lazy("Multiple choice")),
        (Question.TRUE_FALSE, gettext_lazy("True or false")), (Question.NUMERIC, gettext_lazy("Number")),
        (Question.SHORT_TEXT, gettext_lazy("Short text"))])
    stem = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}), label=gettext_lazy("Question"),
                           help_text=gettext_lazy("Markdown, as in the module's text."))
    explanation = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), label=gettext_lazy("Explanation"),
                                  help_text=gettext_lazy("Shown after the learner answers, right or wrong."))
    difficulty = forms.TypedChoiceField(coerce=int, initial=3, label=gettext_lazy("Difficulty"),
                                        choices=[(n, str(n)) for n in range(1, 6)],
                                        help_text=gettext_lazy("1 (easiest) to 5 (hardest)."))
    skills = forms.ModelMultipleChoiceField(queryset=Skill.objects.none(), widget=forms.CheckboxSelectMultiple,
                                            label=gettext_lazy("Skills it trains"))
    true_false_answer = forms.TypedChoiceField(
        required=False, label=gettext_lazy("Correct answer"), empty_value=None,
        coerce=lambda value: value == "true",
        choices=[("", gettext_lazy("Choose…")), ("true", gettext_lazy("True")), ("false", gettext_lazy("False"))])
    numeric_answer = forms.FloatField(required=False, label=gettext_lazy("Correct answer"))
    numeric_tolerance = forms.FloatField(required=False, min_value=0, initial=0,
                                         label=gettext_lazy("Accepted difference"),
                                         help_text=gettext_lazy("0 accepts the exact number only."))
    accepted_answers = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}),
                                       label=gettext_lazy("Accepted answers"),
                                       help_text=gettext_lazy("One per line."))
    case_sensitive = forms.BooleanField(required=False, label=gettext_lazy("Capital letters matter"))

    def __init__(self, *args: Any, module: Module, question: Question | None = None, **kwargs: Any) -> None:
        if question is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "key": question.key, "type": question.type, "stem": question.stem,
                "explanation": question.explanation, "difficulty": question.difficulty,
                "skills": list(question.skills.all()),
                "true_false_answer": {True: "true", False: "false", None: ""}[question.true_false_answer],
                "numeric_answer": question.numeric_answer, "numeric_tolerance": question.numeric_tolerance,
                "accepted_answers": "\n".join(question.accepted_answers), "case_sensitive": question.case_sensitive,
            }
        super().__init__(*args, **kwargs)
        self.module = module
        self.question = question
        skills = self.fields["skills"]
        assert isinstance(skills, forms.ModelMultipleChoiceField)
        skills.queryset = skills_offered(module, question)
        if question is not None:
            self.fields["key"].disabled = True  # learners' answers and packages refer to it
        for name, message in (("key", _("Give the question a key.")), ("stem", _("Write the question.")),
                              ("explanation", _("Write the explanation learners see after answering.")),
                              ("skills", _("Tick at least one skill this question trains."))):
            self.fields[name].error_messages["required"] = message

    def clean_key(self) -> str:
        key = self.cleaned_data["key"].strip()
        if self.question is not None:
            return self.question.key
        if not KEY_RE.match(key):
            raise forms.ValidationError(_("Use only letters, digits, dots, hyphens and underscores in the key."))
        if Question.objects.filter(key=key).exists():
            raise forms.ValidationError(_("Another question already has this key: choose another."))
        return key

    def clean_accepted_answers(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["accepted_answers"].splitlines() if line.strip()]

    def check_type(self, choices: list[dict[str, Any]]) -> None:
        """The checks that depend on the type, as errors on the fields the author fills in."""
        qtype = self.cleaned_data.get("type")
        if qtype in Question.CHOICE_TYPES:
            correct = sum(1 for c in choices if c["is_correct"])
            if len(choices) < 2:
                self.add_error(None, _("Give at least two choices."))
            elif qtype == Question.SINGLE and correct != 1:
                self.add_error(None, _("Tick exactly one choice as correct."))
            elif qtype == Question.MULTIPLE and correct < 1:
                self.add_error(None, _("Tick at least one choice as correct."))
        elif qtype == Question.TRUE_FALSE and self.cleaned_data.get("true_false_answer") is None:
            self.add_error("true_false_answer", _("Choose whether the statement is true or false."))
        elif qtype == Question.NUMERIC and self.cleaned_data.get("numeric_answer") is None:
            self.add_error("numeric_answer", _("Enter the correct number."))
        elif qtype == Question.SHORT_TEXT and not self.cleaned_data.get("accepted_answers"):
            self.add_error("accepted_answers", _("Give at least one accepted answer."))


def skills_offered(module: Module, question: Question | None) -> QuerySet[Skill]:
    """The skills an author may tick: the course's and the module's, and any the question has already."""
    wanted = Q(courses=module.course_id) | Q(modules=module.pk)
    if question is not None and question.pk:
        wanted |= Q(questions=question.pk)
    return Skill.objects.filter(wanted).distinct().order_by("name")


def choices_from(formset: forms.BaseFormSet, question: Question | None) -> list[dict[str, Any]] | None:
    """The filled-in choice rows, in order; None (with errors on the rows) when a row is not right."""
    if not formset.is_valid():
        return None
    known = set(question.choices.values_list("pk", flat=True)) if question is not None and question.pk else set()
    rows: list[dict[str, Any]] = []
    ok = True
    for form in formset.forms:
        if form.is_blank():
            continue
        data = form.cleaned_data
        if not data["text"].strip():
            form.add_error("text", _("Write the choice's text, or clear its row."))
            ok = False
            continue
        if data.get("choice_id") and data["choice_id"] not in known:
            form.add_error(None, _("This choice is not one of this question's: reload the page."))
            ok = False
            continue
        row = {"text": data["text"].strip(), "is_correct": bool(data["is_correct"]), "feedback": data["feedback"].strip()}
        if data.get("choice_id"):
            row["id"] = data["choice_id"]
        rows.append(row)
    return rows if ok else None


@dataclass
class QuestionPreview:
    """What the learner sees: the question, then after answering the right answer, the per-choice
    feedback and the explanation. Built from the form as it stands, saved or not."""

    type: str
    stem_html: str
    explanation_html: str
    choices: Sequence[Mapping[str, Any]] = field(default_factory=list)
    correct_text: str = ""


def question_preview(module: Module, values: dict[str, Any], choices: Sequence[Mapping[str, Any]]) -> QuestionPreview:
    images = image_urls_for(module)
    qtype = values.get("type") or Question.SINGLE
    correct = ""
    if qtype == Question.TRUE_FALSE and values.get("true_false_answer") is not None:
        correct = _("True") if values["true_false_answer"] else _("False")
    elif qtype == Question.NUMERIC and values.get("numeric_answer") is not None:
        tolerance = values.get("numeric_tolerance") or 0
        correct = (_("%(answer)s (give or take %(tolerance)s)") % {"answer": f"{values['numeric_answer']:g}",
                                                                    "tolerance": f"{tolerance:g}"}
                   if tolerance else f"{values['numeric_answer']:g}")
    elif qtype == Question.SHORT_TEXT:
        correct = ", ".join(values.get("accepted_answers") or [])
    return QuestionPreview(
        type=qtype, stem_html=render_markdown(values.get("stem") or "", images),
        explanation_html=render_markdown(values.get("explanation") or "", images),
        choices=choices if qtype in Question.CHOICE_TYPES else [], correct_text=correct,
    )


@transaction.atomic
def question_author(*, module: Module, question: Question | None, values: dict[str, Any],
                    choices: list[dict[str, Any]]) -> Question:
    """Save a question written in the editor and, when it is new, add it at the end of ``module``'s
    quiz. Every course using the question is marked changed, so cached course structures (its
    skills, difficulty and type) are rebuilt."""
    data = {
        "type": values["type"], "stem": values["stem"], "explanation": values["explanation"],
        "difficulty": values["difficulty"], "skills": list(values["skills"]),
        "true_false_answer": values.get("true_false_answer") if values["type"] == Question.TRUE_FALSE else None,
        "numeric_answer": values.get("numeric_answer") if values["type"] == Question.NUMERIC else None,
        "numeric_tolerance": (values.get("numeric_tolerance") or 0.0) if values["type"] == Question.NUMERIC else 0.0,
        "accepted_answers": values.get("accepted_answers") or [] if values["type"] == Question.SHORT_TEXT else [],
        "case_sensitive": bool(values.get("case_sensitive")) and values["type"] == Question.SHORT_TEXT,
        "choices": [dict(c) for c in choices] if values["type"] in Question.CHOICE_TYPES else [],
    }
    if question is None:
        data["key"] = values["key"]
    saved = question_save(question=question, data=data)
    if not ModuleQuestion.objects.filter(module=module, question=saved).exists():
        last = module.module_questions.aggregate(last=Max("order"))["last"]
        ModuleQuestion.objects.create(module=module, question=saved, order=0 if last is None else last + 1)
    Course.objects.filter(Q(pk=module.course_id) | Q(modules__questions=saved)).update(updated=timezone.now())
    return saved


def modules_using(question: Question) -> QuerySet[Module]:
    return Module.objects.filter(module_questions__question=question).select_related("course").order_by(
        "course__title", "order")



class ModuleAuthorForm(forms.Form):
    """A module's reading and the skills it teaches; its quiz is edited question by question."""

    title = forms.CharField(max_length=200, label=gettext_lazy("Title"))
    slug = forms.SlugField(max_length=80, label=gettext_lazy("Address name"),
                           help_text=gettext_lazy("Lowercase letters, digits and hyphens; part of the module's address."))
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 12}), label=gettext_lazy("Text"),
                           help_text=gettext_lazy("Markdown."))
    estimated_minutes = forms.IntegerField(min_value=1, max_value=240, initial=5,
                                           label=gettext_lazy("Minutes it takes"))
    skills = forms.ModelMultipleChoiceField(queryset=Skill.objects.none(), required=False,
                                            widget=forms.CheckboxSelectMultiple, label=gettext_lazy("Skills it teaches"))

    def __init__(self, *args: Any, course: Course, module: Module | None = None, **kwargs: Any) -> None:
        if module is not None and "initial" not in kwargs:
            kwargs["initial"] = {"title": module.title, "slug": module.slug, "body": module.body,
                                 "estimated_minutes": module.estimated_minutes, "skills": list(module.skills.all())}
        super().__init__(*args, **kwargs)
        self.course = course
        self.module = module
        wanted = Q(courses=course.pk) | (Q(modules=module.pk) if module is not None else Q(pk__in=[]))
        skills = self.fields["skills"]
        assert isinstance(skills, forms.ModelMultipleChoiceField)
        skills.queryset = Skill.objects.filter(wanted).distinct().order_by("name")
        for name, message in (("title", _("Give the module a title.")),
                              ("slug", _("Give the module an address name.")),
                              ("body", _("Write the module's text."))):
            self.fields[name].error_messages["required"] = message
        self.fields["slug"].error_messages["invalid"] = _("Use only lowercase letters, digits and hyphens.")

    def clean_slug(self) -> str:
        slug = self.cleaned_data["slug"]
        taken = Module.objects.filter(course=self.course, slug=slug)
        if self.module is not None:
            taken = taken.exclude(pk=self.module.pk)
        if taken.exists():
            raise forms.ValidationError(_("Another module of this course has this address name: choose another."))
        return slug


@transaction.atomic
def module_author(*, course: Course, module: Module | None, values: dict[str, Any]) -> Module:
    """Save a module written in the editor; a new one goes at the end of the course. The course is
    marked changed, so cached course structures are rebuilt."""
    data = {key: values[key] for key in ("title", "slug", "body", "estimated_minutes", "skills")}
    data["skills"] = list(data["skills"])
    if module is None:
        last = course.modules.aggregate(last=Max("order"))["last"]
        data.update(course=course, order=0 if last is None else last + 1)
    saved = module_save(module=module, data=data)
    Course.objects.filter(pk=course.pk).update(updated=timezone.now())
    return saved
