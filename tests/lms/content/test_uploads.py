"""The upload services behind the admin's upload pages, called directly."""

from __future__ import annotations

from pathlib import Path

import pytest

from lms.content.models import Question
from lms.content.uploads import UploadRefused, gift_upload_import, gift_upload_preview

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("service", [gift_upload_preview, gift_upload_import])
def test_it_refuses_a_bad_file_with_one_located_line_per_problem(service, tmp_path: Path) -> None:
    path = tmp_path / "bad.gift"
    path.write_text("::Open::What? {=a ~b\n\n::Shut::Why? {=c\n", encoding="utf-8")

    with pytest.raises(UploadRefused) as refused:
        service(path=path, options={"skill": None})

    assert refused.value.errors == [
        "line 1 (Open): the answer block is not closed with '}'",
        "line 3 (Shut): the answer block is not closed with '}'",
    ]
    assert not Question.objects.exists()
