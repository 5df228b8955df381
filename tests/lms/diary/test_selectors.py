from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from lms.diary import selectors
from lms.diary.models import ConfidenceRating
from lms.diary.selectors import (
    ABOUT_RIGHT,
    NOT_ESTIMATED,
    OVERCONFIDENT,
    UNDERCONFIDENT,
    confidence_probability,
    daily_invitation_due,
)
from lms.diary.services import diary_prompt_dismiss
from tests.lms.diary.helpers import set_mastery, write_entry
from tests.lms.factories import CourseFactory, SkillFactory, enrol

pytestmark = pytest.mark.django_db


def test_it_maps_the_scale_to_the_middle_of_each_fifth() -> None:
    assert [confidence_probability(r) for r in range(1, 6)] == pytest.approx([0.1, 0.3, 0.5, 0.7, 0.9])


def test_it_compares_confidence_with_the_models_mastery(people) -> None:
    fractions = SkillFactory(slug="fractions", name="Fractions")
    decimals = SkillFactory(slug="decimals", name="Decimals")
    ratios = SkillFactory(slug="ratios", name="Ratios")
    percent = SkillFactory(slug="percent", name="Percent")
    set_mastery(people.learner, {"fractions": 0.55, "decimals": 0.8, "ratios": 0.62})
    write_entry(people.learner, ratings={fractions: 5, decimals: 2, ratios: 3, percent: 4})

    by_skill = {c.skill.slug: c for c in selectors.latest_confidence_for(people.learner)}

    assert by_skill["fractions"].sentence == "you rated Fractions 5/5; your answers suggest 55%"
    assert by_skill["fractions"].verdict == OVERCONFIDENT
    assert by_skill["fractions"].gap == pytest.approx(0.35)
    assert by_skill["decimals"].verdict == UNDERCONFIDENT  # 30% against 80%
    assert by_skill["ratios"].verdict == ABOUT_RIGHT  # 50% against 62%: within one step
    assert by_skill["percent"].verdict == NOT_ESTIMATED
    assert by_skill["percent"].mastery is None


def test_it_counts_a_gap_of_exactly_one_step() -> None:
    skill = SkillFactory.build(slug="s", name="S")
    assert selectors.ConfidenceComparison(skill=skill, rating=4, mastery=0.5).verdict == OVERCONFIDENT
    assert selectors.ConfidenceComparison(skill=skill, rating=2, mastery=0.5).verdict == UNDERCONFIDENT


def test_it_keeps_the_latest_rating_per_skill(people) -> None:
    skill = SkillFactory(name="Fractions")
    old = write_entry(people.learner, ratings={skill: 1})
    old.created = timezone.now() - dt.timedelta(days=3)
    old.save()
    write_entry(people.learner, ratings={skill: 4})
    [latest] = selectors.latest_confidence_for(people.learner)
    assert latest.rating == 4


def test_it_stores_the_estimate_next_to_each_rating_for_the_learner_model(people) -> None:
    skill = SkillFactory(slug="fractions")
    set_mastery(people.learner, {"fractions": 0.4})
    write_entry(people.learner, ratings={skill: 3})
    rating = ConfidenceRating.objects.get()
    assert (rating.skill, rating.rating, rating.mastery_at_rating) == (skill, 3, 0.4)


def test_it_lets_only_the_author_read_a_private_entry(people) -> None:
    entry = write_entry(people.learner)
    assert selectors.entry_readable_by(people.learner, entry.pk) == entry
    for other in (people.teammate, people.manager, people.admin, people.outsider):
        assert selectors.entry_readable_by(other, entry.pk) is None


def test_it_lets_the_authors_managers_and_admins_read_a_shared_entry(people) -> None:
    entry = write_entry(people.learner, shared=True)
    assert selectors.entry_readable_by(people.manager, entry.pk) == entry
    assert selectors.entry_readable_by(people.admin, entry.pk) == entry
    assert selectors.entry_readable_by(people.teammate, entry.pk) is None
    assert selectors.entry_readable_by(people.outsider, entry.pk) is None


def test_it_counts_entries_for_managers_without_text(people) -> None:
    write_entry(people.learner)
    write_entry(people.learner, shared=True)
    counts = {row.username: row for row in selectors.diary_counts_for(people.manager)}
    assert set(counts) == {"alice", "bob"}
    assert (counts["alice"].entries, counts["alice"].shared) == (2, 1)
    assert (counts["bob"].entries, counts["bob"].last_entry) == (0, None)
    assert not hasattr(counts["alice"], "studied")
    assert selectors.diary_counts_for(people.learner) == []
    assert {row.username for row in selectors.diary_counts_for(people.admin)} >= {"alice", "bob", "charlie"}


class TestOnceADay:
    def test_it_invites_a_learner_who_takes_a_course(self, people) -> None:
        enrol(people.learner, CourseFactory())
        assert daily_invitation_due(people.learner)

    def test_it_does_not_invite_before_any_course(self, people) -> None:
        assert not daily_invitation_due(people.learner)

    def test_it_stops_after_an_entry_today_and_comes_back_tomorrow(self, people) -> None:
        enrol(people.learner, CourseFactory())
        write_entry(people.learner)
        today = timezone.localdate()
        assert not daily_invitation_due(people.learner, day=today)
        assert daily_invitation_due(people.learner, day=today + dt.timedelta(days=1))

    def test_it_stops_after_a_dismissal_today_and_comes_back_tomorrow(self, people) -> None:
        enrol(people.learner, CourseFactory())
        today = timezone.localdate()
        assert diary_prompt_dismiss(user=people.learner, day=today)
        assert not diary_prompt_dismiss(user=people.learner, day=today)  # a repeat changes nothing
        assert not daily_invitation_due(people.learner, day=today)
        assert daily_invitation_due(people.learner, day=today + dt.timedelta(days=1))


def test_it_gives_the_learner_model_one_row_per_rating(people) -> None:
    fractions = SkillFactory(slug="fractions")
    decimals = SkillFactory(slug="decimals")
    set_mastery(people.learner, {"fractions": 0.4})
    first = write_entry(people.learner, ratings={fractions: 2})
    first.created = timezone.now() - dt.timedelta(days=2)
    first.save()
    write_entry(people.learner, ratings={fractions: 4, decimals: 5})
    write_entry(people.teammate, ratings={decimals: 1})
    rows = selectors.confidence_rows(user_ids=[people.learner.pk])
    assert [(r.skill, r.rating, r.mastery_at_rating) for r in rows][:1] == [("fractions", 2, 0.4)]
    assert sorted((r.skill, r.rating) for r in rows[1:]) == [("decimals", 5), ("fractions", 4)]
    assert rows[0].confidence == pytest.approx(0.3) and rows[0].rated_at < rows[1].rated_at
    assert len(selectors.confidence_rows()) == 4
    assert len(selectors.confidence_rows(since=timezone.now() - dt.timedelta(days=1))) == 3
