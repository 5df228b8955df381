"""The admin's people import page: upload, preview, confirm; admins only."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from lms.accounts.models import Team
from lms.people.models import ScimToken
from tests.lms.conftest import client_for

User = get_user_model()
pytestmark = pytest.mark.django_db
URL = "/admin/people/import/"
GOOD = b"username,email,role,teams\nnina,nina@example.org,learner,Support\nalice,,,Analysts\n"


def upload(client: Client, data: bytes, name: str = "people.csv"):
    return client.post(URL, {"file": SimpleUploadedFile(name, data, content_type="text/csv")})


def test_it_shows_the_upload_form(people):
    page = client_for(people.admin).get(URL)
    assert page.status_code == 200
    assert b'<label for="id_file">People (.csv):</label>' in page.content
    assert b"username, email, first_name, last_name, role, teams, manages, manager" in page.content


def test_it_previews_then_imports(people):
    client = client_for(people.admin)
    preview = upload(client, GOOD)
    assert preview.status_code == 200
    assert b"Preview of people.csv: nothing is written yet" in preview.content
    assert b"1 to create, 0 to update, 1 unchanged, 0 refused; 1 new team" in preview.content
    assert b"<caption>People created or updated</caption>" in preview.content
    assert not User.objects.filter(username="nina").exists()

    token = preview.context["token"]
    done = client.post(URL, {"token": token, "confirm": "Import"})
    assert done.status_code == 302 and done["Location"] == "/admin/auth/user/"
    nina = User.objects.get(username="nina")
    assert list(nina.teams.all()) == [Team.objects.get(name="Support")]

    again = client.post(URL, {"token": token, "confirm": "Import"}, follow=True)
    assert b"imported already, cancelled or has expired" in again.content
    assert User.objects.filter(username="nina").count() == 1


def test_refused_rows_are_listed_and_cannot_be_imported(people):
    page = upload(client_for(people.admin), GOOD + b"omar,bad-address,,\n")
    assert page.status_code == 200
    assert page.context["token"] == ""
    assert b"<caption>Refused rows" in page.content
    assert b"<td>4</td><td>omar</td>" in page.content
    assert b"email &#x27;bad-address&#x27; is not an email address" in page.content
    assert b'name="confirm"' not in page.content


def test_an_unreadable_file_is_an_error_not_a_500(people):
    page = upload(client_for(people.admin), b"\xff\xfeu\x00s\x00")
    assert page.status_code == 200
    assert b"not UTF-8 text" in page.content


def test_cancel_imports_nothing(people):
    client = client_for(people.admin)
    token = upload(client, GOOD).context["token"]
    client.post(URL, {"token": token, "cancel": "Cancel"})
    assert not User.objects.filter(username="nina").exists()
    assert client.post(URL, {"token": token, "confirm": "Import"}).status_code == 302
    assert not User.objects.filter(username="nina").exists()


def test_a_change_since_the_preview_refuses_the_import(people):
    client = client_for(people.admin)
    token = upload(client, b"username,teams,manager\nnina,Analysts,maria\n").context["token"]
    from lms.accounts.services import user_set_role

    user_set_role(user=people.manager, role="learner")
    page = client.post(URL, {"token": token, "confirm": "Import"})
    assert page.status_code == 200
    assert b"manager &#x27;maria&#x27; is a learner" in page.content
    assert not User.objects.filter(username="nina").exists()


def test_managers_learners_and_outsiders_are_kept_out(people):
    for user in (people.manager, people.learner):
        assert client_for(user).get(URL).status_code == 302  # to the admin's sign-in page
        assert upload(client_for(user), GOOD).status_code == 302
    assert Client().get(URL).status_code == 302
    staff = User.objects.create_user("staffer", is_staff=True)
    assert client_for(staff).get(URL).status_code == 403
    assert not User.objects.filter(username="nina").exists()


def test_the_form_needs_a_csrf_token(people):
    client = Client(enforce_csrf_checks=True)
    client.force_login(people.admin)
    assert upload(client, GOOD).status_code == 403


def test_wrong_method_is_refused(people):
    assert client_for(people.admin).put(URL).status_code == 405


def test_the_user_list_links_to_the_import(people):
    page = client_for(people.admin).get("/admin/auth/user/")
    assert b'href="/admin/people/import/"' in page.content


def test_an_admin_makes_a_scim_token_shown_once(people):
    client = client_for(people.admin)
    response = client.post("/admin/people/scimtoken/add/", {"name": "Okta production"}, follow=True)
    assert response.status_code == 200
    token = ScimToken.objects.get()
    shown = [str(m) for m in response.context["messages"]]
    key = shown[0].split(" is ")[1].split(" ")[0]
    assert key.startswith("pwscim_") and token.prefix == key[:13] and token.digest != key
    assert client.get(f"/admin/people/scimtoken/{token.pk}/change/").content.count(key.encode()) == 0
    assert Client().get("/scim/v2/Users", headers={"Authorization": f"Bearer {key}"}).status_code == 200
