"""The admin's side of people in bulk: SCIM tokens for identity providers, and the CSV import page
(upload, preview, then import all or nothing)."""

from __future__ import annotations

import secrets
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from lms.http import signed_in_user
from lms.people.importing import (
    COLUMNS,
    CREATE,
    UPDATE,
    ImportPlan,
    PeopleFileInvalid,
    people_csv_read,
    people_import_plan,
)
from lms.people.models import ScimToken
from lms.people.services import PeopleImportRefused, people_import, scim_token_create

UPLOAD_TTL_SECONDS = 3600
LISTED_ROWS = 1000
REQUIRED_PERMISSIONS = ("auth.add_user", "auth.change_user", "accounts.add_team", "accounts.change_team")


@admin.register(ScimToken)
class ScimTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "prefix", "created", "created_by", "last_used"]
    fields = ["name"]
    readonly_fields = ["prefix", "created", "created_by", "last_used"]

    def get_fields(self, request: HttpRequest, obj: ScimToken | None = None) -> tuple[str, ...]:
        return ("name",) if obj is None else ("name", "prefix", "created", "created_by", "last_used")

    def save_model(self, request: HttpRequest, obj: ScimToken, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        token, key = scim_token_create(name=obj.name, created_by=signed_in_user(request))
        obj.pk, obj.digest, obj.prefix, obj.created = token.pk, token.digest, token.prefix, token.created
        messages.warning(request, _("The SCIM token for %(name)s is %(key)s — copy it into the identity provider "
                                    "now: it is not stored and will not be shown again.") % {"name": token.name, "key": key})


class PeopleFileForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("People (.csv)"),
                           help_text=format_lazy(gettext_lazy("UTF-8, comma-separated, with a header row; columns: "
                                                              "{columns} (docs/people-import.md)."),
                                                 columns=", ".join(COLUMNS)))


def _cache_key(token: str) -> str:
    return f"people-import:{token}"


@require_http_methods(["GET", "POST"])
def people_import_view(request: HttpRequest) -> HttpResponse:
    """GET: the upload form. POST a file: the preview (nothing written). POST ``token``: the import."""
    if not all(request.user.has_perm(p) for p in REQUIRED_PERMISSIONS):
        raise PermissionDenied
    here = reverse("people_import")
    context: dict[str, Any] = {**admin.site.each_context(request), "title": _("Import people"), "columns": COLUMNS}

    if request.method == "POST" and "token" in request.POST:
        token = request.POST["token"]
        stash = request.session.get("people_imports", {}).get(token)
        data = cache.get(_cache_key(token)) if stash else None
        if data is None:
            messages.error(request, _("This upload was imported already, cancelled or has expired: upload the file "
                                      "again."))
            return HttpResponseRedirect(here)
        _forget(request, token)
        if "cancel" in request.POST:
            messages.info(request, _("Cancelled %(file)s: nothing was imported.") % {"file": stash["name"]})
            return HttpResponseRedirect(here)
        try:
            plan = people_import(rows=people_csv_read(data))
        except PeopleFileInvalid as exc:
            return render(request, "admin/people/import.html",
                          {**context, "form": PeopleFileForm(), "errors": exc.errors, "file_name": stash["name"]})
        except PeopleImportRefused as exc:
            # Someone changed the accounts since the preview: show what is refused now.
            return render(request, "admin/people/import.html",
                          {**context, **_listing(exc.plan), "form": PeopleFileForm(), "plan": exc.plan,
                           "file_name": stash["name"]})
        messages.success(request, _("Imported %(file)s: %(done)s.") % {"file": stash["name"],
                                                                         "done": plan.summary(done=True)})
        return HttpResponseRedirect(reverse("admin:auth_user_changelist"))

    form = PeopleFileForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read(settings.PATHWISE_PEOPLE_IMPORT_MAX_BYTES + 1)
        try:
            plan = people_import_plan(rows=people_csv_read(data))
        except PeopleFileInvalid as exc:
            return render(request, "admin/people/import.html",
                          {**context, "form": form, "errors": exc.errors, "file_name": upload.name})
        token = ""
        if plan.ok:
            token = secrets.token_urlsafe(16)
            cache.set(_cache_key(token), data, UPLOAD_TTL_SECONDS)
            request.session.setdefault("people_imports", {})[token] = {"name": upload.name}
            request.session.modified = True
        return render(request, "admin/people/import.html",
                      {**context, **_listing(plan), "plan": plan, "token": token, "file_name": upload.name,
                       "form": PeopleFileForm()})
    return render(request, "admin/people/import.html", {**context, "form": form})


def _listing(plan: ImportPlan) -> dict[str, Any]:
    changed = [row for row in plan.rows if row.action in (CREATE, UPDATE)]
    return {"changed_rows": changed[:LISTED_ROWS], "more_rows": max(0, len(changed) - LISTED_ROWS)}


def _forget(request: HttpRequest, token: str) -> None:
    cache.delete(_cache_key(token))
    request.session.get("people_imports", {}).pop(token, None)
    request.session.modified = True


# Signed-in staff only (others go to the admin's sign-in page); then the permissions above.
people_import_admin = admin.site.admin_view(people_import_view)
