from __future__ import annotations

from zoneinfo import available_timezones

from django import forms
from django.conf import settings
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _


class TwoFactorCodeForm(forms.Form):
    """The six-digit code of an authenticator app."""

    code = forms.CharField(
        label=_("Code from your authenticator app"), max_length=8, min_length=6,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric",
                                      "pattern": "[0-9 ]*", "autofocus": True}),
    )

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].replace(" ", "")
        if not code.isdigit():
            raise forms.ValidationError(_("Enter the digits shown in your app."))
        return code


def _language_choices() -> list[tuple[str, str]]:
    return [("", _("The language of my browser"))] + [
        (code, get_language_info(code)["name_local"].capitalize()) for code, _name in settings.LANGUAGES]


def _time_zone_choices() -> list[tuple[str, str]]:
    return [("", _("The site's time zone (%(zone)s)") % {"zone": settings.TIME_ZONE})] + [
        (zone, zone.replace("_", " ")) for zone in sorted(available_timezones())]


class PreferencesForm(forms.Form):
    """The language and time zone the site is shown in. Languages are named in their own language,
    so a user who landed on the wrong one still finds theirs."""

    # Choices given as functions are read each time the form is shown, in the language it is shown in.
    language = forms.ChoiceField(label=_("Language"), required=False, choices=_language_choices)
    time_zone = forms.ChoiceField(label=_("Time zone"), required=False, choices=_time_zone_choices)
