"""Reads for the diary, and the one place that decides who may read an entry.

Privacy rule: an entry's text is readable by its author, and by the managers of the author's teams
and by admins only while the author shares that entry. Anyone else gets a 404, like an entry that
does not exist. Managers and admins always see how many entries each learner in their scope keeps.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from adaptive.models import LearnerState
from lms.accounts.roles import is_staff_role
from lms.accounts.selectors import learners_visible_to
from lms.content.models import Module, Skill
from lms.diary.models import ConfidenceRating, DiaryEntry, DiaryPromptDismissal
from lms.learning.models import Enrollment, QuizAttempt, Response

AnyUser = User | AnonymousUser

# A rating r on the 1-5 scale reads as the probability (r - 0.5) / 5 of answering right:
# the middle of the r-th fifth of [0, 1], so 1 → 10%, 3 → 50%, 5 → 90%.
CONFIDENCE_PROBABILITY = {r: (r - 0.5) / 5 for r in range(1, 6)}
# A gap of at least one step of the scale (20 points) between confidence and the model's estimate
# counts as over- or under-confidence; anything closer is "about right".
CALIBRATION_GAP = 0.20

OVERCONFIDENT = "overconfident"
UNDERCONFIDENT = "underconfident"
ABOUT_RIGHT = "about right"
NOT_ESTIMATED = "not estimated yet"


def confidence_probability(rating: int) -> float:
    """The probability of a right answer that a 1-5 confidence rating stands for."""
    return CONFIDENCE_PROBABILITY[rating]


@dataclass(frozen=True)
class ConfidenceComparison:
    skill: Skill
    rating: int
    mastery: float | None

    @property
    def confidence(self) -> float:
        return confidence_probability(self.rating)

    @property
    def confidence_percent(self) -> int:
        return round(100 * self.confidence)

    @property
    def mastery_percent(self) -> int | None:
        return None if self.mastery is None else round(100 * self.mastery)

    @property
    def gap(self) -> float | None:
        """Confidence minus the model's estimate: positive means more confident than the answers suggest."""
        return None if self.mastery is None else self.confidence - self.mastery

    @property
    def verdict(self) -> str:
        gap = self.gap
        if gap is None:
            return NOT_ESTIMATED
        # Rounded so that a gap of exactly one step (e.g. 70% against 50%) counts.
        if round(gap, 6) >= CALIBRATION_GAP:
            return OVERCONFIDENT
        if round(gap, 6) <= -CALIBRATION_GAP:
            return UNDERCONFIDENT
        return ABOUT_RIGHT

    @property
    def verdict_label(self) -> str:
        """The verdict in the reader's language (``verdict`` stays the code the pages style by)."""
        return {
            NOT_ESTIMATED: pgettext("confidence", "not estimated yet"),
            OVERCONFIDENT: pgettext("confidence", "overconfident"),
            UNDERCONFIDENT: pgettext("confidence", "underconfident"),
            ABOUT_RIGHT: pgettext("confidence", "about right"),
        }[self.verdict]

    @property
    def sentence(self) -> str:
        values = {"skill": self.skill.name, "rating": self.rating, "percent": self.mastery_percent}
        if self.mastery is None:
            return _("you rated %(skill)s %(rating)s/5; your answers have not been estimated yet") % values
        return _("you rated %(skill)s %(rating)s/5; your answers suggest %(percent)s%%") % values


def mastery_for(user: User) -> dict[str, float]:
    """The learner model's predicted mastery by skill slug, for the skills the learner has answered
    questions on: a skill never practised has no estimate of theirs yet (the model's state holds its
    prior for every skill of the course, which says nothing about this learner)."""
    state = LearnerState.objects.filter(user=user).values_list("mastery", flat=True).first()
    if not state:
        return {}
    practised = set(Response.objects.filter(user=user).values_list("question__skills__slug", flat=True).distinct())
    return {slug: float(value) for slug, value in state.items()
            if slug in practised and isinstance(value, int | float)}


def compare(ratings: list[ConfidenceRating], mastery: dict[str, float]) -> list[ConfidenceComparison]:
    return [ConfidenceComparison(skill=r.skill, rating=r.rating, mastery=mastery.get(r.skill.slug)) for r in ratings]


def entries_for(user: User) -> QuerySet[DiaryEntry]:
    """The author's own entries, newest first, with what the diary page shows."""
    return (DiaryEntry.objects.filter(user=user).select_related("module__course")
            .prefetch_related("ratings__skill"))


def latest_confidence_for(user: User) -> list[ConfidenceComparison]:
    """Each skill's most recent rating next to the model's current estimate."""
    latest: dict[int, ConfidenceRating] = {}
    ratings = (ConfidenceRating.objects.filter(entry__user=user).select_related("skill")
               .order_by("-entry__created", "-entry_id"))
    for rating in ratings:
        latest.setdefault(rating.skill_id, rating)
    ordered = sorted(latest.values(), key=lambda r: r.skill.name)
    return compare(ordered, mastery_for(user))


def entry_readable_by(viewer: AnyUser, entry_id: int) -> DiaryEntry | None:
    """The entry if ``viewer`` may read its text: the author, or (shared entries only) a manager of
    one of the author's teams or an admin. None otherwise."""
    if not viewer.is_authenticated:
        return None
    entries = DiaryEntry.objects.select_related("user", "module__course").prefetch_related("ratings__skill")
    entry = entries.filter(pk=entry_id).first()
    if entry is None:
        return None
    if entry.user_id == viewer.pk:
        return entry
    if entry.shared_with_managers and is_staff_role(viewer) and learners_visible_to(viewer).filter(
            pk=entry.user_id).exists():
        return entry
    return None


def shared_entries_visible_to(viewer: AnyUser) -> QuerySet[DiaryEntry]:
    """Entries other learners in ``viewer``'s scope chose to share."""
    if not viewer.is_authenticated or not is_staff_role(viewer):
        return DiaryEntry.objects.none()
    return (DiaryEntry.objects.filter(shared_with_managers=True, user__in=learners_visible_to(viewer))
            .exclude(user=viewer).select_related("user", "module__course"))


@dataclass(frozen=True)
class DiaryCount:
    user_id: int
    username: str
    entries: int
    shared: int
    last_entry: dt.datetime | None


def diary_counts_for(viewer: AnyUser) -> list[DiaryCount]:
    """Whether each learner in the viewer's scope keeps a diary: counts and dates, never text."""
    if not is_staff_role(viewer):
        return []
    learners = (learners_visible_to(viewer).exclude(pk=viewer.pk)
                .annotate(n_entries=Count("diary_entries"),
                          n_shared=Count("diary_entries", filter=Q(diary_entries__shared_with_managers=True)),
                          last_entry=Max("diary_entries__created"))
                .order_by("username"))
    return [DiaryCount(u.pk, u.get_username(), u.n_entries, u.n_shared, u.last_entry) for u in learners]


def today() -> dt.date:
    return timezone.localdate()


def daily_invitation_due(user: AnyUser, *, day: dt.date | None = None) -> bool:
    """The dashboard invites a learner to write at most once a day: only on a day they have not
    written an entry nor dismissed the invitation, and only once they are taking a course."""
    if not user.is_authenticated:
        return False
    day = day or today()
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    end = start + dt.timedelta(days=1)
    if DiaryEntry.objects.filter(user=user, created__gte=start, created__lt=end).exists():
        return False
    if DiaryPromptDismissal.objects.filter(user=user, day=day).exists():
        return False
    return Enrollment.objects.filter(user=user).exists()


def entry_for_attempt(user: User, attempt: QuizAttempt) -> DiaryEntry | None:
    return DiaryEntry.objects.filter(user=user, quiz_attempt=attempt).first()


def skills_to_rate(user: User, module: Module | None) -> list[Skill]:
    """The skills a new entry asks about: the module's, or else those of the questions answered
    in the last day (the learner may rate none of them)."""
    if module is not None:
        return list(module.skills.order_by("name"))
    since = timezone.now() - dt.timedelta(days=1)
    answered = Response.objects.filter(user=user, created__gte=since).values("question_id")
    return list(Skill.objects.filter(questions__in=answered).distinct().order_by("name")[:12])


def _md_escape(text: str) -> str:
    # Learners' text goes into Markdown as written; only a line starting with "#" would turn into
    # a heading of the export's own structure, so indent it away.
    return "\n".join(("\\" + line) if line.startswith("#") else line for line in text.splitlines())


def diary_markdown(user: User) -> str:
    """The author's whole diary as a Markdown document, oldest entry first."""
    mastery = mastery_for(user)
    lines = [f"# Learning diary of {user.get_username()}", "",
             f"Exported {timezone.localtime():%Y-%m-%d %H:%M}. Confidence 1-5 reads as 10%, 30%, 50%, 70%, 90%; "
             f"a gap of {round(100 * CALIBRATION_GAP)} points or more from the model's estimate counts as over- "
             "or under-confidence.", ""]
    entries = list(entries_for(user).order_by("created", "id"))
    if not entries:
        lines += ["No entries yet.", ""]
    for entry in entries:
        title = f"{timezone.localtime(entry.created):%Y-%m-%d %H:%M}"
        if entry.module is not None:
            title += f": {entry.module.title}"
        lines += [f"## {title}", "", _md_escape(entry.studied), ""]
        if entry.method_labels():
            lines += ["**What helped:** " + ", ".join(entry.method_labels()), ""]
        comparisons = compare(list(entry.ratings.all()), mastery)
        if comparisons:
            lines += ["| Skill | Confidence | Model's estimate now | |", "|---|---|---|---|"]
            for c in comparisons:
                estimate = NOT_ESTIMATED if c.mastery is None else f"{c.mastery_percent}%"
                lines.append(f"| {c.skill.name} | {c.rating}/5 ({c.confidence_percent}%) | {estimate} | {c.verdict} |")
            lines.append("")
        if entry.shared_with_managers:
            lines += ["_Shared with my managers._", ""]
    return "\n".join(lines)


@dataclass(frozen=True)
class ConfidenceRow:
    """One self-assessment, as a feature row for the learner model."""

    user_id: int
    skill: str
    rated_at: dt.datetime
    rating: int
    confidence: float
    mastery_at_rating: float | None


def confidence_rows(*, since: dt.datetime | None = None, user_ids: list[int] | None = None) -> list[ConfidenceRow]:
    """Every confidence rating (oldest first) with when it was given and the model's estimate at the
    time: what a learner model needs to use self-assessment as a feature of later answers. For
    training only; never shown to anyone but the author."""
    ratings = ConfidenceRating.objects.select_related("entry", "skill").order_by("entry__created", "entry_id", "id")
    if since is not None:
        ratings = ratings.filter(entry__created__gte=since)
    if user_ids is not None:
        ratings = ratings.filter(entry__user_id__in=user_ids)
    return [ConfidenceRow(r.entry.user_id, r.skill.slug, r.entry.created, r.rating, confidence_probability(r.rating),
                          r.mastery_at_rating) for r in ratings]
