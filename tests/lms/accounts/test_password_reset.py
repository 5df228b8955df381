from __future__ import annotations

import re

from django.test import Client
from django.urls import reverse
from rest_framework.throttling import SimpleRateThrottle

from tests.lms.smtp import smtp_inbox  # noqa: F401  (the fixture `inbox`: a real SMTP server)


def _reset_link(body: str) -> str:
    match = re.search(r"http://testserver(/accounts/password/reset/[^/\s]+/[^/\s]+/)", body)
    assert match, body
    return match.group(1)


def test_it_resets_a_password_by_email(people, inbox) -> None:
    client = Client()
    assert "Forgot your password?" in client.get(reverse("login")).content.decode()
    page = client.get(reverse("password_reset"))
    assert page.status_code == 200 and '<label for="id_email">Email address</label>' in page.content.decode()
    response = client.post(reverse("password_reset"), {"email": "alice@example.org"})
    assert response.status_code == 302 and response.url == reverse("password_reset_done")
    assert "works once, for 3 days" in client.get(response.url).content.decode()
    [message] = inbox.messages
    assert message["X-Envelope-To"] == "alice@example.org"
    assert message["Subject"] == "Reset your Pathwise password"
    link = _reset_link(inbox.body(message))
    form = client.get(link, follow=True)
    assert "Choose a new password" in form.content.decode()
    done = client.post(form.redirect_chain[-1][0], {"new_password1": "a-fresh-passphrase-77",
                                                     "new_password2": "a-fresh-passphrase-77"})
    assert done.status_code == 302 and done.url == reverse("password_reset_complete")
    signed_in = Client().post(reverse("login"), {"username": "alice", "password": "a-fresh-passphrase-77"})
    assert signed_in.status_code == 302 and signed_in.url == reverse("dashboard")
    used = Client().get(link, follow=True)
    assert "This link does not work" in used.content.decode()


def test_it_says_the_same_for_an_unknown_address(people, inbox) -> None:
    response = Client().post(reverse("password_reset"), {"email": "nobody@example.org"})
    assert response.status_code == 302 and response.url == reverse("password_reset_done")
    assert inbox.messages == []


def test_it_explains_a_malformed_address(people, inbox) -> None:
    response = Client().post(reverse("password_reset"), {"email": "not an address"})
    assert response.status_code == 200
    assert 'class="field-error" role="alert"' in response.content.decode()


def test_it_refuses_a_forged_reset_link(people) -> None:
    response = Client().get("/accounts/password/reset/MQ/set-password/", follow=True)
    assert response.status_code == 200 and "This link does not work" in response.content.decode()
    assert Client().get("/accounts/password/reset/%00%ff/abc-def/").status_code in {200, 400, 404}


def test_it_limits_reset_requests_per_address(people, inbox, monkeypatch) -> None:
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "signin", "2/min")
    client = Client()
    codes = [client.post(reverse("password_reset"), {"email": "alice@example.org"}).status_code for _ in range(3)]
    assert codes == [302, 302, 429]
    assert len(inbox.messages) == 2
