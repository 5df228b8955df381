"""Import and export in the admin: upload a course package, a GIFT file or QTI items, see a preview of what would
be created, changed or refused, then import it all or nothing; download a course package or GIFT."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.text import slugify
from django.views.decorators.http import require_http_methods

from lms.content.gift import question_bank_export_gift
from lms.content.importing import KEY_RE
from lms.content.models import Course, Question, Skill
from lms.content.packages.exporting import course_package_zip
from lms.content.uploads import (
    MAX_GIFT_BYTES,
    MAX_PACKAGE_BYTES,
    MAX_QTI_BYTES,
    UploadPreview,
    UploadRefused,
    gift_upload_import,
    gift_upload_preview,
    package_upload_import,
    package_upload_preview,
    qti_upload_import,
    qti_upload_preview,
    stashed_path,
    upload_discard,
    upload_stash,
)

SESSION_KEY = "content_uploads"
PACKAGE = "package"
GIFT = "gift"
QTI = "qti"
MAX_BYTES = {PACKAGE: MAX_PACKAGE_BYTES, GIFT: MAX_GIFT_BYTES, QTI: MAX_QTI_BYTES}
TITLES = {PACKAGE: "Import a course package", GIFT: "Import GIFT questions", QTI: "Import QTI items"}


class PackageUploadForm(forms.Form):
    file = forms.FileField(label="Course package (.zip)",
                           help_text="A zip of a course package, as export_course or the export action writes it.")


class GiftUploadForm(forms.Form):
    file = forms.FileField(label="GIFT file", help_text="Moodle's GIFT format, UTF-8 text (docs/gift.md).")
    skill = forms.ModelChoiceField(Skill.objects.all(), required=False, to_field_name="slug",
                                   help_text="Every question gets this skill, instead of its $CATEGORY.")
    # Not ``prefix``, which is the attribute of every Django form that prefixes its fields' names.
    key_prefix = forms.RegexField(KEY_RE, max_length=60, required=False,
                                  help_text="Start of every question key (default: the file name).")
    titles_are_keys = forms.BooleanField(required=False, label="Titles are the keys",
                                         help_text="As the GIFT export writes them: the same questions are updated.")
    difficulty = forms.TypedChoiceField(
        choices=[("", "3 for new questions, existing ones keep theirs")] + [(str(n), str(n)) for n in range(1, 6)],
        coerce=int, empty_value=None, required=False,
    )
    suggest_skills = forms.BooleanField(required=False, help_text="Import questions without a category untagged, "
                                                                  "with suggested skills to approve.")


class QtiUploadForm(forms.Form):
    file = forms.FileField(label="QTI item or package",
                           help_text="A QTI 2.1, 2.2 or 3.0 item (.xml), or a content package (.zip with "
                                     "imsmanifest.xml) of items (docs/qti.md).")
    skill = forms.ModelChoiceField(Skill.objects.all(), required=False, to_field_name="slug",
                                   help_text="Every question gets this skill: QTI items name none Pathwise knows.")
    suggest_skills = forms.BooleanField(required=False, help_text="Without a skill: import the questions untagged, "
                                                                  "with suggested skills to approve.")
    key_prefix = forms.RegexField(KEY_RE, max_length=60, required=False,
                                  help_text="Start of every question key, before the item's identifier "
                                            "(default: the file name).")
    difficulty = forms.TypedChoiceField(
        choices=[("", "3 for new questions, existing ones keep theirs")] + [(str(n), str(n)) for n in range(1, 6)],
        coerce=int, empty_value=None, required=False,
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("skill") and not data.get("suggest_skills"):
            raise forms.ValidationError("Choose a skill for the questions, or tick 'Suggest skills' to import them "
                                        "untagged with suggested skills.")
        return data


FORMS: dict[str, type[forms.Form]] = {PACKAGE: PackageUploadForm, GIFT: GiftUploadForm, QTI: QtiUploadForm}


def _uploads(request: HttpRequest) -> dict[str, dict[str, Any]]:
    uploads: dict[str, dict[str, Any]] = request.session.setdefault(SESSION_KEY, {})
    return uploads


def _forget(request: HttpRequest, token: str) -> None:
    upload_discard(token)
    _uploads(request).pop(token, None)
    request.session.modified = True


def _preview(kind: str, token: str, options: dict[str, Any]) -> UploadPreview:
    path = stashed_path(token)
    if path is None:
        raise UploadRefused(["the uploaded file could not be kept; upload it again"])
    if kind == PACKAGE:
        return package_upload_preview(path=path)
    if kind == QTI:
        return qti_upload_preview(path=path, options=options)
    return gift_upload_preview(path=path, options=options)


def _import(kind: str, token: str, options: dict[str, Any]) -> str:
    path = stashed_path(token)
    if path is None:
        raise UploadRefused(["the uploaded file is gone; upload it again"])
    if kind == PACKAGE:
        return package_upload_import(path=path).summary().splitlines()[0]
    if kind == QTI:
        report = qti_upload_import(path=path, options=options)
    else:
        report = gift_upload_import(path=path, options=options)
    return (f"{kind.upper()} imported: {len(report.imported)} new, {len(report.updated)} changed and "
            f"{len(report.unchanged)} unchanged questions; {len(report.unsupported)} refused.")


@require_http_methods(["GET", "POST"])
def upload_view(request: HttpRequest, model_admin: admin.ModelAdmin, *, kind: str) -> HttpResponse:
    """GET: the upload form. POST a file: the preview (nothing written). POST ``token``: the import."""
    if not (model_admin.has_add_permission(request) and model_admin.has_change_permission(request)):
        raise PermissionDenied
    opts = model_admin.model._meta
    here = reverse(f"admin:content_{opts.model_name}_upload" + ("_qti" if kind == QTI else ""))
    changelist = reverse(f"admin:content_{opts.model_name}_changelist")
    form_class = FORMS[kind]
    context: dict[str, Any] = {
        **model_admin.admin_site.each_context(request), "opts": opts, "kind": kind, "changelist_url": changelist,
        "title": TITLES[kind],
    }

    if request.method == "POST" and "token" in request.POST:
        token = request.POST["token"]
        stash = _uploads(request).get(token)
        if stash is None or stash.get("kind") != kind or stashed_path(token) is None:
            messages.error(request, "This upload was imported already, cancelled or has expired: upload the file again.")
            return HttpResponseRedirect(here)
        if "cancel" in request.POST:
            _forget(request, token)
            messages.info(request, f"Cancelled {stash['name']}: nothing was imported.")
            return HttpResponseRedirect(here)
        try:
            done = _import(kind, token, stash["options"])
        except UploadRefused as exc:
            _forget(request, token)
            return render(request, "admin/content/upload.html",
                          {**context, "form": form_class(), "errors": exc.errors, "file_name": stash["name"]})
        _forget(request, token)
        messages.success(request, f"Imported {stash['name']}. {done}")
        return HttpResponseRedirect(changelist)

    form = form_class(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        options: dict[str, Any] = {}
        if kind == GIFT:
            skill = form.cleaned_data["skill"]
            options = {"skill": skill.slug if skill else None,
                       "prefix": form.cleaned_data["key_prefix"] or slugify(upload.name.rsplit(".", 1)[0])[:60] or "gift",
                       "titles_are_keys": form.cleaned_data["titles_are_keys"],
                       "difficulty": form.cleaned_data["difficulty"],
                       "suggest_skills": form.cleaned_data["suggest_skills"]}
        elif kind == QTI:
            skill = form.cleaned_data["skill"]
            options = {"skill": skill.slug if skill else None,
                       "prefix": form.cleaned_data["key_prefix"] or slugify(upload.name.rsplit(".", 1)[0])[:60] or "qti",
                       "difficulty": form.cleaned_data["difficulty"],
                       "suggest_skills": form.cleaned_data["suggest_skills"]}
        token = ""
        try:
            token = upload_stash(upload=upload, max_bytes=MAX_BYTES[kind])
            preview = _preview(kind, token, options)
        except UploadRefused as exc:
            if token:
                upload_discard(token)
            return render(request, "admin/content/upload.html",
                          {**context, "form": form, "errors": exc.errors, "file_name": upload.name})
        _uploads(request)[token] = {"kind": kind, "name": upload.name, "options": options}
        request.session.modified = True
        return render(request, "admin/content/upload.html",
                      {**context, "preview": preview, "token": token, "file_name": upload.name})
    return render(request, "admin/content/upload.html", {**context, "form": form})


def gift_download(questions: QuerySet[Question], filename: str) -> HttpResponse:
    """The questions as a GIFT file; what GIFT cannot hold is listed in comments at the top."""
    export = question_bank_export_gift(questions=questions)
    notes = "".join(f"// warning: {w}\n" for w in export.warnings)
    response = HttpResponse(notes + export.text, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@admin.action(description="Export selected questions as GIFT")
def export_questions_gift(model_admin: admin.ModelAdmin, request: HttpRequest,
                          queryset: QuerySet[Question]) -> HttpResponse:
    return gift_download(queryset, "questions.gift")


@admin.action(description="Download the course package (.zip)")
def export_course_package(model_admin: admin.ModelAdmin, request: HttpRequest,
                          queryset: QuerySet[Course]) -> HttpResponse | None:
    if queryset.count() != 1:
        model_admin.message_user(request, "Choose exactly one course: a package holds one course.", messages.ERROR)
        return None
    course = queryset.get()
    try:
        data = course_package_zip(course=course)
    except ValueError as exc:
        model_admin.message_user(request, str(exc), messages.ERROR)
        return None
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{course.slug}.zip"'
    return response


@admin.action(description="Export the course's questions as GIFT")
def export_course_gift(model_admin: admin.ModelAdmin, request: HttpRequest,
                       queryset: QuerySet[Course]) -> HttpResponse | None:
    questions = Question.objects.filter(modules__course__in=queryset).distinct()
    if not questions.exists():
        model_admin.message_user(request, "The selected courses have no quiz questions to export.", messages.ERROR)
        return None
    name = queryset.get().slug if queryset.count() == 1 else "courses"
    return gift_download(questions, f"{name}.gift")
