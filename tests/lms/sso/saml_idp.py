"""The identity provider's side of SAML 2.0 Web SSO, for the tests: it reads Pathwise's
AuthnRequest (HTTP-Redirect binding) and answers with a Response whose assertion is signed with
its own RSA key (xmlsec, through python3-saml's signing helper), for the HTTP-POST binding.

It needs no xmlsec1 program, so these tests run everywhere; the signature is a real XML-DSig one,
checked by Pathwise against the certificate it is configured with. The end-to-end tests against a
running IdP product (pysaml2's, which signs with xmlsec1) are in test_saml_pysaml2.py."""

from __future__ import annotations

import base64
import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape, quoteattr

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from lxml import etree
from onelogin.saml2.constants import OneLogin_Saml2_Constants
from onelogin.saml2.utils import OneLogin_Saml2_Utils

ENTITY_ID = "https://idp.example.org/saml"
SSO_URL = "https://idp.example.org/saml/sso"


def _key_and_certificate() -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test SAML IdP")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=30)).sign(key, hashes.SHA256()))
    return (key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption()).decode(),
            cert.public_bytes(serialization.Encoding.PEM).decode())


@dataclass
class SamlIdentityProvider:
    key: str = ""
    certificate: str = ""
    entity_id: str = ENTITY_ID
    sso_url: str = SSO_URL
    received: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.key:
            self.key, self.certificate = _key_and_certificate()

    def app_settings(self, organization: str = "test-saml") -> dict[str, Any]:
        from lms.sso.config import SAML_ATTRIBUTES

        return {"openid_connect": {"APPS": []}, "saml": {"APPS": [{
            "client_id": organization, "name": "Test SAML IdP",
            "settings": {"idp": {"entity_id": self.entity_id, "sso_url": self.sso_url, "x509cert": self.certificate},
                         "attribute_mapping": SAML_ATTRIBUTES,
                         "advanced": {"want_assertion_signed": True, "want_message_signed": False,
                                      "reject_idp_initiated_sso": True}},
        }]}}

    def answer(self, redirect_url: str, attributes: dict[str, list[str]], name_id: str,
               signed_by: tuple[str, str] | None = None) -> tuple[str, dict[str, str]]:
        """The ACS address and the form the browser posts there, for the AuthnRequest in
        ``redirect_url``. ``signed_by`` (key, certificate) signs with another key, as a forger would."""
        assert redirect_url.startswith(self.sso_url), redirect_url
        query = parse_qs(urlsplit(redirect_url).query)
        request_xml = OneLogin_Saml2_Utils.decode_base64_and_inflate(query["SAMLRequest"][0])
        self.received.append(request_xml.decode() if isinstance(request_xml, bytes) else request_xml)
        request = etree.fromstring(request_xml)
        request_id, acs_url = request.get("ID"), request.get("AssertionConsumerServiceURL")
        audience = request.find("{urn:oasis:names:tc:SAML:2.0:assertion}Issuer").text
        now = dt.datetime.now(dt.UTC)
        stamp = lambda t: t.strftime("%Y-%m-%dT%H:%M:%SZ")  # noqa: E731
        assertion_id = f"_{uuid.uuid4().hex}"
        values = "".join(
            f'<saml:Attribute Name={quoteattr(name)}>'
            + "".join(f"<saml:AttributeValue>{escape(v)}</saml:AttributeValue>" for v in vals)
            + "</saml:Attribute>" for name, vals in attributes.items())
        assertion = f"""<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="{assertion_id}" Version="2.0" IssueInstant="{stamp(now)}">
<saml:Issuer>{self.entity_id}</saml:Issuer>
<saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent">{escape(name_id)}</saml:NameID>
<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData NotOnOrAfter="{stamp(now + dt.timedelta(minutes=5))}" Recipient="{acs_url}" InResponseTo="{request_id}"/></saml:SubjectConfirmation></saml:Subject>
<saml:Conditions NotBefore="{stamp(now - dt.timedelta(minutes=1))}" NotOnOrAfter="{stamp(now + dt.timedelta(minutes=5))}"><saml:AudienceRestriction><saml:Audience>{audience}</saml:Audience></saml:AudienceRestriction></saml:Conditions>
<saml:AuthnStatement AuthnInstant="{stamp(now)}" SessionIndex="{assertion_id}"><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>
<saml:AttributeStatement>{values}</saml:AttributeStatement>
</saml:Assertion>"""
        key, cert = signed_by or (self.key, self.certificate)
        signed = OneLogin_Saml2_Utils.add_sign(assertion, key, cert, sign_algorithm=OneLogin_Saml2_Constants.RSA_SHA256,
                                               digest_algorithm=OneLogin_Saml2_Constants.SHA256)
        signed_text = signed.decode() if isinstance(signed, bytes) else signed
        if signed_text.startswith("<?xml"):
            signed_text = signed_text.split("?>", 1)[1]
        response = f"""<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_{uuid.uuid4().hex}" Version="2.0" IssueInstant="{stamp(now)}" Destination="{acs_url}" InResponseTo="{request_id}">
<saml:Issuer>{self.entity_id}</saml:Issuer>
<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>
{signed_text}
</samlp:Response>"""
        form = {"SAMLResponse": base64.b64encode(response.encode()).decode()}
        if "RelayState" in query:
            form["RelayState"] = query["RelayState"][0]
        return acs_url, form
