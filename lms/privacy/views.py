from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from lms.http import AuthenticatedHttpRequest
from lms.privacy.forms import DeletionConfirmForm
from lms.privacy.selectors import open_deletion_request
from lms.privacy.services import data_export_archive, deletion_request_create, deletion_request_withdraw


@login_required
@require_POST
def data_export(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The signed-in user's own data as a zip. Built while the user waits: a learner with 5,000
    answers takes well under a second (docs/privacy.md). A POST, because each export is recorded."""
    archive = data_export_archive(user=request.user, request=request)
    name = f"pathwise-data-{timezone.now():%Y-%m-%d}.zip"
    response = HttpResponse(archive, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def account_delete(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Explain what deleting the account does, then record the request for an admin to execute."""
    pending = open_deletion_request(request.user)
    form = DeletionConfirmForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and pending is None:
        if form.is_valid():
            deletion_request_create(user=request.user, request=request)
            messages.success(request, _("Your request is recorded. An admin will delete your account; you can still "
                                        "withdraw the request until then."))
            return redirect(f"{reverse('account')}#privacy")
        return render(request, "privacy/account_delete.html", {"form": form, "pending": None}, status=400)
    if request.method == "POST":  # asked already: the same request stands
        return redirect("account_delete")
    return render(request, "privacy/account_delete.html", {"form": form, "pending": pending})


@login_required
@require_POST
def account_delete_withdraw(request: AuthenticatedHttpRequest) -> HttpResponse:
    if deletion_request_withdraw(user=request.user, request=request):
        messages.success(request, _("Your deletion request is withdrawn: your account stays."))
    return redirect(f"{reverse('account')}#privacy")
