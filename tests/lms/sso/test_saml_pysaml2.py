"""Single sign-on with SAML 2.0, end to end against a real identity provider: pysaml2's IdP in its own
process (tests/lms/sso/pysaml2_idp), configured as a deployment would be (its metadata address in the
environment, Pathwise's metadata registered at the IdP). The IdP reads Pathwise's AuthnRequest, shows
its own login page, and answers with an assertion it signs with the xmlsec1 program."""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests
from allauth.socialaccount.models import SocialAccount
from django.contrib.auth import get_user_model
from django.http import HttpResponse, HttpResponseBase
from django.test import Client
from django.urls import reverse
from lxml import etree  # type: ignore[import-untyped]

from lms.accounts.roles import role_of
from lms.privacy.models import AuditEvent
from lms.sso.config import sso_providers_from_env
from tests.lms.sso.pysaml2_idp import XMLSEC1_MISSING, SamlProvider, has_xmlsec1, saml_provider

pytestmark = pytest.mark.skipif(not has_xmlsec1(), reason=XMLSEC1_MISSING)

User = get_user_model()
# python3-saml builds its addresses from the Host header and refuses a one-label host like "testserver".
HOST = "lms.example.org"
START = "/sso/saml/test-saml/login/"
ACS = f"http://{HOST}/sso/saml/test-saml/acs/"
DSIG = "{http://www.w3.org/2000/09/xmldsig#}Signature"
SAML = "{urn:oasis:names:tc:SAML:2.0:assertion}"


@pytest.fixture(scope="module")
def idp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SamlProvider]:
    with saml_provider(Path(tmp_path_factory.mktemp("saml-idp"))) as provider:
        yield provider


@pytest.fixture
def sso(settings: object, monkeypatch: pytest.MonkeyPatch, idp: SamlProvider) -> SamlProvider:
    for name, value in idp.environment().items():
        monkeypatch.setenv(name, value)
    settings.SOCIALACCOUNT_PROVIDERS = sso_providers_from_env()  # type: ignore[attr-defined]
    settings.ALLOWED_HOSTS = [HOST]  # type: ignore[attr-defined]
    settings.PATHWISE_SSO_ADMIN_VALUES = ["LMS Admins"]  # type: ignore[attr-defined]
    settings.PATHWISE_SSO_MANAGER_VALUES = ["LMS Managers"]  # type: ignore[attr-defined]
    metadata = Client(HTTP_HOST=HOST).get("/sso/saml/test-saml/metadata/")
    assert metadata.status_code == 200, metadata.content
    idp.register("pathwise", metadata.content)
    return idp


def idp_answer(client: Client, idp: SamlProvider, username: str) -> tuple[str, dict[str, str]]:
    """Press Pathwise's SAML button, then sign in at the IdP's login page as a browser would (with
    requests: the IdP is a real server). Returns where the IdP's form posts and its fields."""
    start = client.post(START)
    assert start.status_code == 302, start.content
    assert start["Location"].startswith(f"{idp.base_url}/idp/sso/redirect?SAMLRequest="), start["Location"]
    browser = requests.Session()
    login_page = browser.get(start["Location"], timeout=30)
    assert login_page.status_code == 200 and "Test SAML identity provider" in login_page.text, login_page.text[:500]
    key = re.search(r'name="key" value="([^"]+)"', login_page.text).group(1)  # type: ignore[union-attr]
    answer = browser.post(f"{idp.base_url}/idp/login", timeout=30,
                          data={"key": key, "username": username, "password": idp.password_of(username)})
    assert answer.status_code == 200, answer.text[:500]
    action = html.unescape(re.search(r'<form action="([^"]+)"', answer.text).group(1))  # type: ignore[union-attr]
    fields = {html.unescape(name): html.unescape(value)
              for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', answer.text)}
    return action, fields


def sign_in(client: Client, idp: SamlProvider, username: str,
            change: Callable[[etree._Element], None] | None = None) -> HttpResponseBase:
    """The whole sign-in; ``change`` alters the IdP's Response on its way through the browser, as an
    attacker would. Returns Pathwise's answer to the address the ACS sends the browser to."""
    action, fields = idp_answer(client, idp, username)
    assert action == ACS
    if change:
        response = etree.fromstring(base64.b64decode(fields["SAMLResponse"]))
        change(response)
        fields["SAMLResponse"] = base64.b64encode(etree.tostring(response)).decode()
    posted = client.post(action, fields)
    assert posted.status_code == 302, posted.content
    return client.get(posted["Location"])


def test_it_creates_the_account_on_first_sign_in(db: None, sso: SamlProvider) -> None:
    client = Client(HTTP_HOST=HOST)
    action, fields = idp_answer(client, sso, "erin")
    response = etree.fromstring(base64.b64decode(fields["SAMLResponse"]))
    assertion = response.find(f"{SAML}Assertion")
    assert assertion is not None and assertion.find(DSIG) is not None, "pysaml2 signed the assertion"
    assert response.find(f"{SAML}Issuer").text == sso.entity_id
    names = {a.get("Name") for a in assertion.iter(f"{SAML}Attribute")}
    assert {"urn:oid:0.9.2342.19200300.100.1.3", "urn:oid:2.5.4.42", "urn:oasis:names:tc:SAML:attribute:subject-id",
            "groups", "team"} <= names, names

    posted = client.post(action, fields)
    done = client.get(posted["Location"])
    assert done.status_code == 302 and done["Location"] == reverse("dashboard"), done.content
    erin = User.objects.get(username="erin")
    assert (erin.email, erin.first_name, erin.last_name) == ("erin@example.org", "Erin", "Quinn")
    assert not erin.has_usable_password()
    assert role_of(erin) == "admin", "groups holds 'LMS Admins'"
    assert list(erin.teams.values_list("name", flat=True)) == ["Support"]
    assert SocialAccount.objects.get(user=erin).uid == "erin-0001@example.org", "the uid is the subject-id attribute"
    home = client.get(reverse("dashboard"))
    assert home.status_code == 200 and home.wsgi_request.user == erin
    assert AuditEvent.objects.filter(event=AuditEvent.SIGN_IN, subject=erin).count() == 1


def test_it_signs_the_same_person_in_again(db: None, sso: SamlProvider) -> None:
    sign_in(Client(HTTP_HOST=HOST), sso, "sam")
    sam = User.objects.get(username="sam")
    assert role_of(sam) == "manager", "groups holds 'LMS Managers'"
    assert sorted(sam.managed_teams.values_list("name", flat=True)) == ["Field sales", "Support"]

    client = Client(HTTP_HOST=HOST)
    done = sign_in(client, sso, "sam")
    assert done.status_code == 302 and done["Location"] == reverse("dashboard")
    assert client.get(reverse("dashboard")).wsgi_request.user == sam
    assert User.objects.filter(username__startswith="sam").count() == 1
    assert SocialAccount.objects.filter(user=sam).count() == 1
    assert AuditEvent.objects.filter(event=AuditEvent.SIGN_IN, subject=sam).count() == 2


def test_it_makes_a_learner_of_someone_in_no_mapped_group(db: None, sso: SamlProvider) -> None:
    sign_in(Client(HTTP_HOST=HOST), sso, "lee")
    lee = User.objects.get(username="lee")
    assert role_of(lee) == "learner"
    assert list(lee.teams.values_list("name", flat=True)) == ["Field sales"]


def _refused(client: Client, done: HttpResponseBase) -> None:
    assert isinstance(done, HttpResponse) and done.status_code == 401, done
    assert "Sign-in did not work" in done.content.decode()
    assert not User.objects.filter(username="lee").exists()
    assert not client.get(reverse("dashboard")).wsgi_request.user.is_authenticated


def test_it_refuses_an_assertion_changed_after_signing(db: None, sso: SamlProvider) -> None:
    def make_admin(response: etree._Element) -> None:
        value = next(v for v in response.iter(f"{SAML}AttributeValue") if v.text == "Staff")
        value.text = "LMS Admins"

    client = Client(HTTP_HOST=HOST)
    _refused(client, sign_in(client, sso, "lee", change=make_admin))


def test_it_refuses_an_assertion_without_its_signature(db: None, sso: SamlProvider) -> None:
    def unsign(response: etree._Element) -> None:
        assertion = response.find(f"{SAML}Assertion")
        assertion.remove(assertion.find(DSIG))

    client = Client(HTTP_HOST=HOST)
    _refused(client, sign_in(client, sso, "lee", change=unsign))


def test_the_idp_refuses_a_wrong_password(db: None, sso: SamlProvider) -> None:
    start = Client(HTTP_HOST=HOST).post(START)
    browser = requests.Session()
    login_page = browser.get(start["Location"], timeout=30)
    key = re.search(r'name="key" value="([^"]+)"', login_page.text).group(1)  # type: ignore[union-attr]
    answer = browser.post(f"{sso.base_url}/idp/login", data={"key": key, "username": "lee", "password": "wrong"},
                          timeout=30)
    assert answer.status_code == 401 and "Wrong username or password." in answer.text
    assert "SAMLResponse" not in answer.text
