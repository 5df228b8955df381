"""The learning API's tests share the API tests' fixtures: plain HTTP and a small catalogue."""

from tests.lms.api.conftest import _plain_http, catalogue  # noqa: F401 - fixtures
