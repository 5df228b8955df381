"""The diary pages. Thin: fetch with a permission check, validate, call one service, render."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lms.accounts.roles import is_staff_role
from lms.diary import selectors
from lms.diary.forms import DiaryEntryForm, ShareForm
from lms.diary.models import DiaryEntry
from lms.diary.selectors import CALIBRATION_GAP, CONFIDENCE_PROBABILITY
from lms.diary.services import diary_entry_create, diary_entry_share, diary_prompt_dismiss
from lms.http import AuthenticatedHttpRequest
from lms.learning.models import QuizAttempt


def _own_entry(request: AuthenticatedHttpRequest, entry_id: int) -> DiaryEntry:
    # Someone else's entry is a 404: its existence is not theirs to know.
    return get_object_or_404(DiaryEntry, pk=entry_id, user=request.user)


def _finished_attempt(request: AuthenticatedHttpRequest) -> QuizAttempt | None:
    raw = request.GET.get("attempt")
    if not raw:
        return None
    try:
        attempt_id = uuid.UUID(raw)
    except ValueError:
        raise Http404("No such quiz attempt") from None
    return get_object_or_404(QuizAttempt.objects.select_related("module__course"), pk=attempt_id,
                             user=request.user, finished_at__isnull=False, module__isnull=False)


def _scale() -> list[tuple[int, int]]:
    return [(rating, round(100 * p)) for rating, p in CONFIDENCE_PROBABILITY.items()]


@login_required
@require_GET
def diary(request: AuthenticatedHttpRequest) -> HttpResponse:
    mastery = selectors.mastery_for(request.user)
    entries = [(entry, selectors.compare(list(entry.ratings.all()), mastery))
               for entry in selectors.entries_for(request.user)]
    ctx = {
        "entries": entries,
        "latest": selectors.latest_confidence_for(request.user),
        "scale": _scale(),
        "gap_points": round(100 * CALIBRATION_GAP),
        "is_staff_role": is_staff_role(request.user),
    }
    return render(request, "diary/diary.html", ctx)


@login_required
@require_http_methods(["GET", "POST"])
def entry_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    attempt = _finished_attempt(request)
    if attempt is not None:
        written = selectors.entry_for_attempt(request.user, attempt)
        if written is not None:
            messages.info(request, _("You already wrote about this module; here is your entry."))
            return redirect("diary_entry", entry_id=written.pk)
    module = attempt.module if attempt else None
    skills = selectors.skills_to_rate(request.user, module)
    if request.method == "POST":
        form = DiaryEntryForm(request.POST, skills=skills)
        if form.is_valid():
            data = form.cleaned_data
            _entry, created = diary_entry_create(
                user=request.user, submission_id=data["submission_id"], studied=data["studied"],
                methods=data["methods"], other_method=data["other_method"], ratings=form.ratings(),
                quiz_attempt=attempt, shared=data["shared"],
            )
            if created:
                messages.success(request, _("Saved in your diary."))
            return redirect("diary")
    else:
        initial: dict[str, Any] = {"submission_id": uuid.uuid4()}
        if module is not None:
            initial["studied"] = f"{module.title} ({module.course.title})"
        form = DiaryEntryForm(initial=initial, skills=skills)
    ctx = {"form": form, "attempt": attempt, "module": module, "scale": _scale()}
    return render(request, "diary/entry_form.html", ctx)


@login_required
@require_GET
def entry_detail(request: AuthenticatedHttpRequest, entry_id: int) -> HttpResponse:
    entry = selectors.entry_readable_by(request.user, entry_id)
    if entry is None:
        raise Http404("No such diary entry")
    is_author = entry.user_id == request.user.pk
    # A reader who is not the author sees the author's confidence, never the model's estimates of them.
    mastery = selectors.mastery_for(request.user) if is_author else {}
    ctx = {"entry": entry, "is_author": is_author, "comparisons": selectors.compare(list(entry.ratings.all()), mastery)}
    return render(request, "diary/entry_detail.html", ctx)


@login_required
@require_POST
def entry_share(request: AuthenticatedHttpRequest, entry_id: int) -> HttpResponse:
    entry = _own_entry(request, entry_id)
    form = ShareForm(request.POST)
    form.is_valid()  # an unchecked box is "not shared"; nothing else can be wrong
    diary_entry_share(entry=entry, shared=form.cleaned_data.get("shared", False))
    if request.htmx:
        return render(request, "diary/share_toggle.html", {"entry": entry})
    messages.success(request, _("Shared with your managers.") if entry.shared_with_managers else _("Only you can read it now."))
    return redirect("diary_entry", entry_id=entry.pk)


@login_required
@require_GET
def diary_export(request: AuthenticatedHttpRequest) -> HttpResponse:
    response = HttpResponse(selectors.diary_markdown(request.user), content_type="text/markdown; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="diary-{timezone.localdate():%Y-%m-%d}.md"'
    return response


@login_required
@require_POST
def prompt_dismiss(request: AuthenticatedHttpRequest) -> HttpResponse:
    diary_prompt_dismiss(user=request.user, day=selectors.today())
    if request.htmx:
        return HttpResponse("")
    return redirect("dashboard")


@login_required
@require_GET
def team_diaries(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not is_staff_role(request.user):
        raise Http404("No such page")
    counts = selectors.diary_counts_for(request.user)
    last_entries = [(row.last_entry, row) for row in counts if row.entries and row.last_entry is not None]
    keeping = [row for _last, row in sorted(last_entries, key=lambda pair: pair[0], reverse=True)]
    ctx = {
        "counts": counts,
        "keeping": keeping,
        "not_keeping": [row for row in counts if not row.entries],
        "shared": selectors.shared_entries_visible_to(request.user)[:50],
    }
    return render(request, "diary/team_diaries.html", ctx)
