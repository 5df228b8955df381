from __future__ import annotations

import mimetypes
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import path, reverse
from django.utils.html import format_html

from lms.content.models import Choice, Course, Module, ModuleImage, ModuleQuestion, Question, Skill
from lms.content.services import skill_suggestions_queue
from lms.content.skills import cycle_message, find_cycle, prerequisite_edges
from lms.content.suggestions_admin import suggested_skills_panel
from lms.content.uploads_admin import (
    GIFT,
    PACKAGE,
    QTI,
    export_course_gift,
    export_course_package,
    export_questions_gift,
    upload_view,
)


class SkillForm(forms.ModelForm):
    class Meta:
        model = Skill
        fields = ["slug", "name", "description", "prerequisites"]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        slug = data.get("slug") or (self.instance.slug if self.instance.pk else None)
        prereqs = data.get("prerequisites")
        if slug and prereqs is not None:
            edges = prerequisite_edges()
            if self.instance.pk and self.instance.slug != slug:
                old = self.instance.slug
                edges = {(slug if k == old else k): {slug if p == old else p for p in v} for k, v in edges.items()}
            edges[slug] = {p.slug for p in prereqs}
            cycle = find_cycle(edges)
            if cycle:
                raise ValidationError({"prerequisites": cycle_message(cycle)})
        return data


@admin.register(Skill)
class SkillAdmin(admin.ModelAdmin):
    form = SkillForm
    list_display = ["name", "slug", "prerequisite_list", "question_count"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["prerequisites"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Skill]:
        return super().get_queryset(request).annotate(n_questions=Count("questions")).prefetch_related("prerequisites")

    @admin.display(description="Prerequisites")
    def prerequisite_list(self, skill: Skill) -> str:
        return ", ".join(p.name for p in skill.prerequisites.all()) or "–"

    @admin.display(description="Questions", ordering="n_questions")
    def question_count(self, skill: Skill) -> int:
        return skill.n_questions  # type: ignore[attr-defined]  # annotated by get_queryset


class ModuleInline(admin.TabularInline):
    model = Module
    fields = ["order", "title", "slug", "estimated_minutes", "edit_link"]
    readonly_fields = ["edit_link"]
    prepopulated_fields = {"slug": ["title"]}
    extra = 0
    show_change_link = True

    @admin.display(description="")
    def edit_link(self, module: Module) -> str:
        if not module.pk:
            return ""
        return format_html('<a href="{}">Preview</a>', reverse("module_preview", args=[module.pk]))


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "published", "module_count", "updated"]
    list_filter = ["published"]
    search_fields = ["title", "slug", "summary"]
    prepopulated_fields = {"slug": ["title"]}
    filter_horizontal = ["skills"]
    inlines = [ModuleInline]
    actions = [export_course_package, export_course_gift]
    change_list_template = "admin/content/course/change_list.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Course]:
        return super().get_queryset(request).annotate(n_modules=Count("modules"))

    def get_urls(self) -> list[Any]:
        return [path("upload/", self.admin_site.admin_view(self.upload), name="content_course_upload"),
                *super().get_urls()]

    def upload(self, request: HttpRequest) -> HttpResponse:
        return upload_view(request, self, kind=PACKAGE)

    @admin.display(description="Modules", ordering="n_modules")
    def module_count(self, course: Course) -> int:
        return course.n_modules  # type: ignore[attr-defined]  # annotated by get_queryset


class ModuleQuestionInline(admin.TabularInline):
    model = ModuleQuestion
    fields = ["order", "question"]
    autocomplete_fields = ["question"]
    extra = 1
    verbose_name = "quiz question"
    verbose_name_plural = "Quiz questions (from the item bank)"


class ModuleImageForm(forms.ModelForm):
    upload = forms.FileField(required=False, help_text="PNG, JPEG, GIF, WebP or SVG.")

    class Meta:
        model = ModuleImage
        fields = ["upload", "filename", "alt", "caption", "order"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["filename"].required = False
        self.uploaded: bytes | None = None

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        upload = data.get("upload")
        if upload:
            if upload.size > settings.MAX_IMAGE_BYTES:
                raise ValidationError({"upload": f"Images must be at most {settings.MAX_IMAGE_BYTES // 1024} KiB."})
            content_type = mimetypes.guess_type(upload.name)[0] or ""
            if content_type not in {"image/png", "image/jpeg", "image/gif", "image/webp", "image/svg+xml"}:
                raise ValidationError({"upload": "Upload a PNG, JPEG, GIF, WebP or SVG image."})
            self.uploaded = upload.read()
            self.instance.content_type = content_type
            data["filename"] = data.get("filename") or upload.name.rsplit("/", 1)[-1]
            self.instance.filename = data["filename"]
        elif not self.instance.pk:
            raise ValidationError({"upload": "Choose an image to upload."})
        return data

    def save(self, commit: bool = True) -> ModuleImage:
        """The upload goes to storage here, once the module is known (a new module is saved first)."""
        image: ModuleImage = super().save(commit=False)
        if self.uploaded is not None:
            image.store_bytes(self.uploaded)
        if commit:
            image.save()
        return image


class ModuleImageInline(admin.StackedInline):
    model = ModuleImage
    form = ModuleImageForm
    extra = 0
    readonly_fields = ["thumbnail"]
    fields = ["upload", "thumbnail", "filename", "alt", "caption", "order"]

    @admin.display(description="Current image")
    def thumbnail(self, image: ModuleImage) -> str:
        if not image.pk:
            return "–"
        return format_html('<img src="{}" alt="{}" style="max-height:120px">', image.get_absolute_url(), image.alt)


@admin.register(Module)
class ModuleAdmin(admin.ModelAdmin):
    list_display = ["title", "course", "order", "estimated_minutes", "question_count", "preview"]
    list_filter = ["course"]
    search_fields = ["title", "slug", "body"]
    prepopulated_fields = {"slug": ["title"]}
    filter_horizontal = ["skills"]
    inlines = [ModuleQuestionInline, ModuleImageInline]
    readonly_fields = ["preview"]
    fields = ["course", "title", "slug", "order", "estimated_minutes", "body", "video_url", "skills", "preview"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Module]:
        return super().get_queryset(request).select_related("course").annotate(n_questions=Count("module_questions"))

    @admin.display(description="Questions", ordering="n_questions")
    def question_count(self, module: Module) -> int:
        return module.n_questions  # type: ignore[attr-defined]  # annotated by get_queryset

    @admin.display(description="Preview")
    def preview(self, module: Module) -> str:
        if not module.pk:
            return "Save the module to preview it."
        return format_html('<a href="{}" target="_blank">Preview as a learner sees it</a>',
                           reverse("module_preview", args=[module.pk]))


class ChoiceFormSet(forms.BaseInlineFormSet):
    """Checks the choices against the question type: the rules of the course-package format."""

    def clean(self) -> None:
        super().clean()
        question: Question = self.instance
        rows = [f.cleaned_data for f in self.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        correct = sum(1 for r in rows if r.get("is_correct"))
        if question.type == Question.SINGLE and (len(rows) < 2 or correct != 1):
            raise ValidationError("A single-choice question needs at least two choices and exactly one correct.")
        if question.type == Question.MULTIPLE and (len(rows) < 2 or correct < 1):
            raise ValidationError("A multiple-choice question needs at least two choices and one or more correct.")
        if question.type not in Question.CHOICE_TYPES and rows:
            raise ValidationError(f"A {question.get_type_display().lower()} question has no choices; remove them.")


class ChoiceInline(admin.TabularInline):
    model = Choice
    formset = ChoiceFormSet
    fields = ["order", "text", "is_correct", "feedback"]
    extra = 0


class QuestionForm(forms.ModelForm):
    class Meta:
        model = Question
        fields = ["key", "type", "stem", "explanation", "difficulty", "skills", "true_false_answer", "numeric_answer",
                  "numeric_tolerance", "accepted_answers", "case_sensitive", "accepted_wildcards"]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        qtype = data.get("type")
        if qtype == Question.TRUE_FALSE and data.get("true_false_answer") is None:
            self.add_error("true_false_answer", "Set the right answer of a true/false question.")
        if qtype == Question.NUMERIC and data.get("numeric_answer") is None:
            self.add_error("numeric_answer", "Set the right number.")
        if qtype == Question.SHORT_TEXT:
            accepted = data.get("accepted_answers")
            if not isinstance(accepted, list) or not [a for a in accepted if isinstance(a, str) and a.strip()]:
                self.add_error("accepted_answers", 'List the accepted answers, e.g. ["median", "the median"].')
        return data


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    form = QuestionForm
    list_display = ["key", "type", "difficulty", "skill_list", "short_stem"]
    list_filter = ["type", "difficulty", "skills"]
    search_fields = ["key", "stem"]
    filter_horizontal = ["skills"]
    inlines = [ChoiceInline]
    readonly_fields = ["suggested_skills"]
    actions = [export_questions_gift]
    change_list_template = "admin/content/question/change_list.html"
    fieldsets = [
        (None, {"fields": ["key", "type", "stem", "explanation", "difficulty", "skills", "suggested_skills"]}),
        ("Answer (by type)", {
            "fields": ["true_false_answer", "numeric_answer", "numeric_tolerance", "accepted_answers", "case_sensitive",
                       "accepted_wildcards"],
            "description": "Choice questions take their answer from the choices below.",
        }),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Question]:
        return super().get_queryset(request).prefetch_related("skills")

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """After the choices are saved too (their text is part of what the tagger reads): suggested
        skills are worked out in the background, as for a question saved in the editor."""
        super().save_related(request, form, formsets, change)
        skill_suggestions_queue(question_ids=[form.instance.pk], source="question_saved")

    def get_urls(self) -> list[Any]:
        return [path("upload/", self.admin_site.admin_view(self.upload), name="content_question_upload"),
                path("upload-qti/", self.admin_site.admin_view(self.upload_qti), name="content_question_upload_qti"),
                *super().get_urls()]

    def upload(self, request: HttpRequest) -> HttpResponse:
        return upload_view(request, self, kind=GIFT)

    def upload_qti(self, request: HttpRequest) -> HttpResponse:
        return upload_view(request, self, kind=QTI)

    @admin.display(description="Suggested skills")
    def suggested_skills(self, question: Question) -> str:
        return suggested_skills_panel(question)

    @admin.display(description="Skills")
    def skill_list(self, question: Question) -> str:
        return ", ".join(s.name for s in question.skills.all())

    @admin.display(description="Stem")
    def short_stem(self, question: Question) -> str:
        return question.stem[:80]
