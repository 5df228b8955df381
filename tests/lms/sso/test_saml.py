"""Single sign-on with SAML 2.0 (allauth's provider on python3-saml): Pathwise's AuthnRequest read
by the identity provider's side, a Response with an assertion signed by the IdP's RSA key posted to
the ACS, the signature checked against the configured certificate (tests/lms/sso/saml_idp.py)."""

from __future__ import annotations

import pytest
from allauth.socialaccount.models import SocialAccount
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from lms.accounts.roles import role_of
from tests.lms.sso.saml_idp import SamlIdentityProvider, _key_and_certificate

User = get_user_model()
START = "/sso/saml/test-saml/login/"
# python3-saml builds its addresses from the Host header and refuses a one-label host like "testserver".
HOST = "lms.example.org"
ERIN = {"uid": ["erin-0001"], "email": ["erin@example.org"], "firstName": ["Erin"], "lastName": ["Quinn"],
        "username": ["erin"], "groups": ["Staff", "LMS Admins"], "team": ["Support"]}


@pytest.fixture
def idp(settings: object) -> SamlIdentityProvider:
    provider = SamlIdentityProvider()
    settings.SOCIALACCOUNT_PROVIDERS = provider.app_settings()  # type: ignore[attr-defined]
    settings.PATHWISE_SSO_ADMIN_VALUES = ["LMS Admins"]  # type: ignore[attr-defined]
    settings.ALLOWED_HOSTS = [HOST]  # type: ignore[attr-defined]
    return provider


def sign_in(client: Client, idp: SamlIdentityProvider, attributes: dict[str, list[str]], **kwargs: object) -> object:
    start = client.post(START)
    assert start.status_code == 302, start.content
    acs, form = idp.answer(start["Location"], attributes, name_id=attributes["uid"][0], **kwargs)  # type: ignore[arg-type]
    assert acs == f"http://{HOST}/sso/saml/test-saml/acs/"
    posted = client.post(acs, form)
    assert posted.status_code == 302, posted.content
    return client.get(posted["Location"])


def test_it_creates_the_account_from_a_signed_assertion(db: None, idp: SamlIdentityProvider) -> None:
    client = Client(HTTP_HOST=HOST)
    done = sign_in(client, idp, ERIN)
    assert done.status_code == 302 and done["Location"] == reverse("dashboard"), done.content
    erin = User.objects.get(username="erin")
    assert (erin.email, erin.first_name, erin.last_name) == ("erin@example.org", "Erin", "Quinn")
    assert role_of(erin) == "admin"
    assert list(erin.teams.values_list("name", flat=True)) == ["Support"]
    assert SocialAccount.objects.get(user=erin).uid == "erin-0001"
    assert client.get(reverse("dashboard")).wsgi_request.user == erin
    assert 'ProtocolBinding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"' in idp.received[0]


def test_it_refuses_an_assertion_signed_by_another_key(db: None, idp: SamlIdentityProvider) -> None:
    client = Client(HTTP_HOST=HOST)
    done = sign_in(client, idp, ERIN, signed_by=_key_and_certificate())
    assert done.status_code == 401 and "Sign-in did not work" in done.content.decode()
    assert not User.objects.filter(username="erin").exists()
    assert not client.get(reverse("dashboard")).wsgi_request.user.is_authenticated


def test_it_refuses_an_assertion_it_did_not_ask_for(db: None, idp: SamlIdentityProvider) -> None:
    first = Client(HTTP_HOST=HOST)  # browsers always send Host, which python3-saml reads
    start = first.post(START)
    acs, form = idp.answer(start["Location"], ERIN, name_id="erin-0001")
    stranger = Client(HTTP_HOST=HOST)
    posted = stranger.post(acs, form)
    done = stranger.get(posted["Location"])
    assert done.status_code == 403, "a response to another browser's request is refused"
    assert not User.objects.filter(username="erin").exists()
    assert not stranger.get(reverse("dashboard")).wsgi_request.user.is_authenticated


def test_it_publishes_its_metadata_for_the_idp(db: None, idp: SamlIdentityProvider) -> None:
    answer = Client(HTTP_HOST=HOST).get("/sso/saml/test-saml/metadata/")
    assert answer.status_code == 200
    metadata = answer.content.decode()
    assert f'entityID="http://{HOST}/sso/saml/test-saml/metadata/"' in metadata
    assert f'Location="http://{HOST}/sso/saml/test-saml/acs/"' in metadata
