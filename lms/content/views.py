from __future__ import annotations

from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.http import http_date
from django.views.decorators.http import require_GET

from lms.accounts.roles import is_admin
from lms.content.markdown import render_markdown
from lms.content.models import Module, ModuleImage
from lms.content.selectors import image_urls_for


@login_required
@require_GET
def module_image(request: HttpRequest, image_id: int, filename: str) -> HttpResponse:
    image = get_object_or_404(ModuleImage.objects.select_related("module__course"), pk=image_id, filename=filename)
    if not image.module.course.published and not is_admin(request.user):
        raise Http404("No such image")
    etag = f'"img-{image.pk}-{len(image.data)}"'
    if request.headers.get("If-None-Match") == etag:
        return HttpResponse(status=304)
    response = HttpResponse(bytes(image.data), content_type=image.content_type)
    response["ETag"] = etag
    response["Cache-Control"] = "private, max-age=3600"
    response["Last-Modified"] = http_date(image.module.course.updated.timestamp())
    # SVG may carry script; served this way it cannot run in our origin.
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    return response


@staff_member_required
@require_GET
def module_preview(request: HttpRequest, module_id: int) -> HttpResponse:
    """The module as a learner sees it, for admins checking content before publishing."""
    if not is_admin(request.user):
        raise Http404("No such module")
    module = get_object_or_404(Module.objects.select_related("course"), pk=module_id)
    questions = module.quiz_questions()
    ctx = {
        "module": module,
        "course": module.course,
        "body_html": render_markdown(module.body, image_urls_for(module)),
        "images": module.images.all(),
        "questions": [
            {
                "question": q,
                "stem_html": render_markdown(q.stem, image_urls_for(module)),
                "explanation_html": render_markdown(q.explanation, image_urls_for(module)),
            }
            for q in questions
        ],
        "skills": module.skills.all(),
    }
    return render(request, "content/module_preview.html", ctx)
