"""The background rollups: incremental, idempotent, claimed so that only one run works at a time."""

from __future__ import annotations

from datetime import timedelta

from django.forms.models import model_to_dict
from django.utils import timezone

from lms.analytics.models import EnrollmentStats, LearnerDay, QuestionStats, RollupCursor, SkillCurve
from lms.analytics.services import ROLLUP, analytics_refresh
from lms.analytics.tasks import refresh_dashboards
from tests.lms.analytics.conftest import NOW, answer, enrol, state


def snapshot(*, with_times: bool = True) -> dict:
    def rows(model, order):
        out = []
        for obj in model.objects.order_by(*order):
            d = model_to_dict(obj)
            if not with_times:
                d.pop("refreshed_at", None)
            out.append(d)
        return out

    return {
        "days": rows(LearnerDay, ["user_id", "course_id", "day"]),
        "enrolments": rows(EnrollmentStats, ["pk"]),
        "questions": rows(QuestionStats, ["question_id"]),
        "curves": rows(SkillCurve, ["skill"]),
    }


def activity(world) -> None:
    p, q = world.people, world.questions
    enrol(p.learner, world.course, days_ago=5)
    enrol(p.teammate, world.course, days_ago=3)
    for i in range(6):
        answer(p.learner, q[i % 4], i % 2 == 0, NOW - timedelta(days=4 - i * 0.5))
        answer(p.teammate, q[i % 4], True, NOW - timedelta(days=2, hours=i))
    state(p.learner, {"fractions": 0.9, "decimals": 0.85})


def test_it_changes_nothing_when_run_twice(world) -> None:
    activity(world)
    first = analytics_refresh()
    assert first.responses == 12 and first.enrollments == 2
    before = snapshot()
    again = analytics_refresh()
    assert (again.responses, again.learner_days, again.enrollments) == (0, 0, 0)
    assert snapshot() == before


def test_it_gives_the_same_rows_when_everything_is_recomputed(world) -> None:
    activity(world)
    analytics_refresh()
    before = snapshot(with_times=False)
    RollupCursor.objects.filter(name=ROLLUP).update(last_response_id=0, last_enrollment_id=0, last_state_update=None)
    analytics_refresh()
    assert snapshot(with_times=False) == before


def test_it_only_updates_what_changed(world) -> None:
    activity(world)
    analytics_refresh()
    answer(world.people.learner, world.questions[0], True, NOW)
    report = analytics_refresh()
    assert (report.responses, report.learner_days, report.enrollments) == (1, 1, 1)
    day = LearnerDay.objects.get(user=world.people.learner, day=timezone.localdate(NOW))
    assert day.responses >= 1
    assert EnrollmentStats.objects.get(user=world.people.learner).responses == 7


def test_it_keeps_the_first_time_mastery_was_reached(world) -> None:
    activity(world)
    analytics_refresh()
    stats = EnrollmentStats.objects.get(user=world.people.learner)
    assert stats.responses_to_mastery == 6 and stats.mastered_at is not None
    state(world.people.learner, {"fractions": 0.5, "decimals": 0.5})
    analytics_refresh()
    later = EnrollmentStats.objects.get(user=world.people.learner)
    assert (later.mastered_at, later.responses_to_mastery) == (stats.mastered_at, 6)
    assert later.mastery_avg == 0.5


def test_it_does_nothing_while_another_run_holds_the_claim(world) -> None:
    activity(world)
    RollupCursor.objects.create(name=ROLLUP, running_since=timezone.now())
    assert analytics_refresh().skipped
    assert not LearnerDay.objects.exists()
    RollupCursor.objects.filter(name=ROLLUP).update(running_since=timezone.now() - timedelta(hours=1))
    assert not analytics_refresh().skipped  # a claim left by a run that died expires


def test_the_task_runs_the_rollup(world) -> None:
    activity(world)
    assert refresh_dashboards.delay().get()["responses"] == 12
    assert refresh_dashboards.delay().get()["responses"] == 0
