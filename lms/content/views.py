from __future__ import annotations

import logging

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import prefetch_related_objects
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import http_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from lms.accounts.roles import is_admin
from lms.content.authoring import (
    ModuleAuthorForm,
    QuestionAuthorForm,
    choice_formset,
    choices_from,
    module_author,
    modules_using,
    question_author,
    question_preview,
)
from lms.content.markdown import render_markdown
from lms.content.models import Course, Module, ModuleImage, Question
from lms.content.selectors import image_urls_for, skill_suggestions_stored
from lms.content.skill_graph import skill_graph_svg
from lms.content.storage import image_signed_url, image_storage
from lms.http import AuthenticatedHttpRequest

logger = logging.getLogger(__name__)

SUGGESTIONS_POLL_S = 3  # how often the editor asks whether a question's suggested skills are stored
SUGGESTIONS_POLLS = 20  # and how many times, before it asks the author to reload the page later


@login_required
@require_GET
def module_image(request: AuthenticatedHttpRequest, image_id: int, filename: str) -> HttpResponseBase:
    image = get_object_or_404(ModuleImage.objects.select_related("module__course"), pk=image_id, filename=filename)
    if not image.module.course.published and not is_admin(request.user):
        raise Http404("No such image")
    etag = f'"img-{image.sha256[:32]}"'  # the object's name holds the same hash: new bytes, new tag
    if request.headers.get("If-None-Match") == etag:
        return HttpResponse(status=304)
    cache_control = "private, max-age=3600"
    # SVG may carry script: it is always streamed from here, with a sandbox that keeps it inert.
    signed = None if image.content_type == "image/svg+xml" else image_signed_url(
        image.file.name, content_type=image.content_type, cache_control=cache_control)
    response: HttpResponseBase
    if signed:
        response = HttpResponseRedirect(signed)
    else:
        try:
            file = image_storage().open(image.file.name, "rb")
        except FileNotFoundError:
            logger.error("module image %s has no stored object %s", image.pk, image.file.name)
            raise Http404("No such image") from None
        response = FileResponse(file, content_type=image.content_type)
        response["Content-Length"] = str(image.size)
    response["ETag"] = etag
    response["Cache-Control"] = cache_control
    response["Last-Modified"] = http_date(image.module.course.updated.timestamp())
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    return response


@staff_member_required
@require_GET
def module_preview(request: AuthenticatedHttpRequest, module_id: int) -> HttpResponse:
    """The module as a learner sees it, for admins checking content before publishing."""
    if not is_admin(request.user):
        raise Http404("No such module")
    module = get_object_or_404(Module.objects.select_related("course"), pk=module_id)
    questions = module.quiz_questions()
    prefetch_related_objects(questions, "choices")
    images = image_urls_for(module)
    ctx = {
        "module": module,
        "course": module.course,
        "body_html": render_markdown(module.body, images, title=module.title),
        "images": module.images.all(),
        "questions": [
            {
                "question": q,
                "stem_html": render_markdown(q.stem, images),
                "explanation_html": render_markdown(q.explanation, images),
            }
            for q in questions
        ],
        "skills": module.skills.all(),
    }
    return render(request, "content/module_preview.html", ctx)


# ----- authoring -------------------------------------------------------------------------------
def _author_only(request: AuthenticatedHttpRequest) -> None:
    """Content is written by admins; everyone else is refused (signed-out people sign in first)."""
    if not is_admin(request.user):
        raise PermissionDenied


@login_required
@require_GET
def authoring_courses(request: AuthenticatedHttpRequest) -> HttpResponse:
    _author_only(request)
    courses = Course.objects.order_by("title").prefetch_related("modules")
    return render(request, "content/authoring_courses.html", {"courses": courses})


@login_required
@require_GET
def authoring_course(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """The course outline: modules in order, each with its quiz, and the skills with what they need first."""
    _author_only(request)
    course = get_object_or_404(Course, slug=slug)
    modules = course.modules.order_by("order", "id").prefetch_related(
        "skills", "module_questions__question__skills")
    skills = list(course.skills.order_by("name").prefetch_related("prerequisites"))
    return render(request, "content/authoring_course.html", {"course": course, "modules": modules, "skills": skills,
                                                             "skill_graph": skill_graph_svg(skills)})


@login_required
@require_http_methods(["GET", "POST"])
def authoring_module(request: AuthenticatedHttpRequest, slug: str, module_id: int | None = None) -> HttpResponse:
    """Write a new module at the end of a course, or edit one of its modules' text and skills."""
    _author_only(request)
    course = get_object_or_404(Course, slug=slug)
    module = get_object_or_404(Module, pk=module_id, course=course) if module_id is not None else None
    if request.method == "GET":
        form = ModuleAuthorForm(course=course, module=module)
        return render(request, "content/authoring_module.html", {"course": course, "module": module, "form": form})
    form = ModuleAuthorForm(request.POST, course=course, module=module)
    if not form.is_valid():
        return render(request, "content/authoring_module.html", {"course": course, "module": module, "form": form},
                      status=422)
    saved = module_author(course=course, module=module, values=form.cleaned_data)
    messages.success(request, _("Module %(title)s saved.") % {"title": saved.title})
    return redirect("authoring_course", slug=course.slug)


@login_required
@require_http_methods(["GET", "POST"])
def authoring_question(request: AuthenticatedHttpRequest, module_id: int, question_id: int | None = None) -> HttpResponse:
    """Write a new question for a module's quiz, or edit one of its questions. A POST with
    ``action=preview`` (or from htmx, as the author types) shows the learner's view without saving."""
    _author_only(request)
    module = get_object_or_404(Module.objects.select_related("course"), pk=module_id)
    question = None
    if question_id is not None:
        question = get_object_or_404(Question.objects.prefetch_related("choices"), pk=question_id,
                                     module_links__module=module)
    if request.method == "GET" and request.htmx and question is not None:
        return render(request, "content/authoring_question.html#suggestions",
                      _suggestions_context(request, question))
    if request.method == "GET":
        form = QuestionAuthorForm(module=module, question=question)
        formset = choice_formset(question)
        values = dict(form.initial)
        values["true_false_answer"] = question.true_false_answer if question else None
        values["accepted_answers"] = question.accepted_answers if question else []
        initial_choices = [f for f in formset.initial or [] if f]
        preview = question_preview(module, values, initial_choices) if question else None
        return _render_editor(request, module, question, form, formset, preview)
    form = QuestionAuthorForm(request.POST, module=module, question=question)
    formset = choice_formset(question, request.POST)
    form_ok = form.is_valid()
    choices = choices_from(formset, question)
    if choices is not None and form_ok:
        form.check_type(choices)
    preview = question_preview(module, form.cleaned_data, choices or [])
    if request.POST.get("action") == "preview" or request.htmx:
        if request.htmx:
            return render(request, "content/authoring_question.html#preview", {"preview": preview})
        return _render_editor(request, module, question, form, formset, preview)
    if not form.is_valid() or choices is None:
        return _render_editor(request, module, question, form, formset, preview, status=422)
    saved = question_author(module=module, question=question, values=form.cleaned_data, choices=choices)
    messages.success(request, _("Question %(key)s saved.") % {"key": saved.key})
    return redirect("authoring_course", slug=module.course.slug)


def _suggestions_context(request: AuthenticatedHttpRequest, question: Question) -> dict[str, object]:
    """The stored suggested skills; while they are being worked out, the page polls for them a bounded
    number of times (``poll`` counts the polls so far; anything but a small number starts again)."""
    raw = request.GET.get("poll", "0")
    polls = min(int(raw), SUGGESTIONS_POLLS) if raw.isdigit() and len(raw) < 4 else 0
    stored = skill_suggestions_stored(question)
    return {"question": question, "suggested": stored, "next_poll": polls + 1,
            "poll_again": stored.state == "working" and polls < SUGGESTIONS_POLLS, "poll_every": SUGGESTIONS_POLL_S}


def _render_editor(request: AuthenticatedHttpRequest, module: Module, question: Question | None, form: QuestionAuthorForm,
                   formset: object, preview: object, status: int = 200) -> HttpResponse:
    ctx = {"module": module, "course": module.course, "question": question, "form": form, "formset": formset,
           "preview": preview,
           "shared_with": [m for m in modules_using(question) if m.pk != module.pk] if question else []}
    if question is not None:
        ctx.update(_suggestions_context(request, question))
    return render(request, "content/authoring_question.html", ctx, status=status)
