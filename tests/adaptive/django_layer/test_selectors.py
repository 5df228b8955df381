"""The worker's read of the learner's state row after an answer (the learner's records are read by
lms.learning.selectors: tests/lms/learning/test_selectors.py)."""

from __future__ import annotations

from adaptive.selectors import learner_state_for_update
from tests.lms.factories import UserFactory


def test_it_creates_a_missing_state_row(db: None) -> None:
    user = UserFactory()
    row = learner_state_for_update(user.pk)
    assert row.pk is not None and row.last_response_id == 0
    assert learner_state_for_update(user.pk).pk == row.pk
