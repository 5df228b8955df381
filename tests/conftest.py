"""What every test shares."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _language_reset_after_each_test() -> Iterator[None]:
    """A request in French (LocaleMiddleware activates the reader's language in the thread and leaves
    it so) must not make the next test read French."""
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _media_in_a_temporary_folder(settings, tmp_path: Path) -> None:
    """Files saved to the default storage (module images) go to the test's own folder, not var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"
