from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class EmailSettingsForm(forms.Form):
    """Which emails a user gets. Managers (and admins who manage a team) also see the digest."""

    assignments = forms.BooleanField(
        label=_("Modules assigned to me, and reminders before and after their due dates"), required=False)
    team_digest = forms.BooleanField(label=_("A digest of what is overdue in the teams I manage"), required=False)

    def __init__(self, *args: object, manages_teams: bool, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        if not manages_teams:
            del self.fields["team_digest"]
