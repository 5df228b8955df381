"""Admins configure identity providers in the admin (Social applications) and see linked accounts."""

from __future__ import annotations

from django.test import Client

from tests.lms.conftest import client_for


def test_it_lets_admins_add_an_identity_provider(people: object) -> None:
    admin = client_for(people.admin)  # type: ignore[attr-defined]
    for url in ("/admin/socialaccount/socialapp/", "/admin/socialaccount/socialapp/add/",
                "/admin/socialaccount/socialaccount/"):
        assert admin.get(url).status_code == 200, url
    added = admin.post("/admin/socialaccount/socialapp/add/", {
        "provider": "openid_connect", "provider_id": "corp", "name": "Contoso", "client_id": "pathwise",
        "secret": "s3cret", "key": "", "settings": '{"server_url": "https://login.example.org"}'})
    assert added.status_code == 302, added.content.decode()[:2000]
    assert "Sign in with Contoso" in Client().get("/accounts/login/").content.decode()


def test_it_keeps_the_providers_from_managers(people: object) -> None:
    manager = client_for(people.manager)  # type: ignore[attr-defined]
    assert manager.get("/admin/socialaccount/socialapp/").status_code in (302, 403)
