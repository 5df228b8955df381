"""Run the test OpenID Connect provider on a free port: ``python -m tests.lms.sso.oidc_idp.serve``
with TEST_IDP_CONFIG (JSON: users, client) and TEST_IDP_DB (a SQLite file) in the environment.
Prints ``READY <issuer>`` once it answers, then serves until killed."""

import json
import os
import sys

from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def main() -> None:
    server = ThreadedWSGIServer(("127.0.0.1", 0), QuietHandler)
    os.environ["TEST_IDP_URL"] = f"http://127.0.0.1:{server.server_port}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.lms.sso.oidc_idp.settings"
    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.core.handlers.wsgi import WSGIHandler
    from django.core.management import call_command
    from oidc_provider.models import Client, ResponseType

    call_command("migrate", verbosity=0)
    call_command("creatersakey")
    config = json.loads(os.environ["TEST_IDP_CONFIG"])
    for person in config["users"]:
        User.objects.create_user(username=person["username"], password=person["password"])
    client = Client.objects.create(
        name="Pathwise", client_type="confidential", client_id=config["client"]["client_id"],
        client_secret=config["client"]["client_secret"], jwt_alg="RS256", require_consent=False,
        _redirect_uris="\n".join(config["client"]["redirect_uris"]))
    client.response_types.add(ResponseType.objects.get(value="code"))
    server.set_app(WSGIHandler())
    print(f"READY {os.environ['TEST_IDP_URL']}/openid", flush=True)
    try:
        server.serve_forever()
    finally:
        sys.stdout.flush()


if __name__ == "__main__":
    main()
