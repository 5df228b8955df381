"""Why a decision was made, in words a learner understands, in the reader's language.

The policy (``adaptive.core.policy``) gives each decision a code and its parameters (names of
modules and skills, a predicted chance) next to its detailed reason, the numbers it was made from.
The pages show the sentence rendered here, with the detailed reason one click away
("Details"). A stored code this module does not know renders as nothing, and the page falls back
to the detailed reason.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from django.utils.dateparse import parse_date
from django.utils.formats import date_format
from django.utils.text import get_text_list
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


def _names(values: Any) -> str:
    """"Mean, Median and Mode": a list of names joined the way the reader's language does."""
    items = [str(v) for v in values] if isinstance(values, Sequence) and not isinstance(values, str) else []
    return get_text_list(items, _("and"))


def _due(value: Any) -> str:
    day = parse_date(str(value or ""))
    return date_format(day, "j F") if day else ""


def _question_target(p: Mapping[str, Any]) -> str:
    skills = _names(p.get("skills", ()))
    predicted = float(p.get("predicted", 0.5))
    if not skills:
        return _("A question at the right level for you: challenging, but within reach.")
    if predicted >= 0.8:
        return _("A quick one on %(skills)s, to make it stick.") % {"skills": skills}
    if predicted < 0.5:
        return _("A stretch on %(skills)s: have a go. Even a wrong answer here teaches you something.") % {
            "skills": skills}
    return _("Practice on %(skills)s at the right level for you: challenging, but within reach.") % {
        "skills": skills}


def _learn(p: Mapping[str, Any]) -> str:
    module, skill = p.get("module", ""), p.get("skill", "")
    prerequisites = p.get("prerequisites") or []
    # "Getting close" only on the learner's own evidence: a skill they have not answered yet may start
    # above one half from its prior alone (decisions stored before "answers" existed keep the old rule).
    if float(p.get("level", 0.0)) >= 0.5 and int(p.get("answers", 1)) > 0:
        # The module's title in quotes: it often begins with the skill's name ("Retrieval practice:
        # learning by answering"), and without them the two ran together.
        return _("You're getting close on %(skill)s. “%(module)s” will help you lock it in.") % {
            "skill": skill, "module": module}
    if prerequisites:
        # "You have ... down" reads the same for one prerequisite or several, so no plural forms.
        return _("Next up: %(module)s. You have %(done)s down, so you're ready for %(skill)s.") % {
            "module": module, "done": _names(prerequisites), "skill": skill}
    if str(module).casefold().startswith(str(skill).casefold()):  # "Retrieval practice: learning by answering"
        return _("Next up: %(module)s.") % {"module": module}
    return _("Next up: %(module)s, a good place to build up %(skill)s.") % {"module": module, "skill": skill}


def _move_on(p: Mapping[str, Any]) -> str:
    text = _("You've spent a while on %(looped)s. Let's try %(module)s and come back to it later.") % {
        "looped": _names(p.get("looped", ())), "module": p.get("module", "")}
    released = p.get("released") or []
    if released:
        text += " " + ngettext(
            "You can start it even though %(skills)s isn't mastered yet.",
            "You can start it even though %(skills)s aren't mastered yet.",
            len(released),
        ) % {"skills": _names(released)}
    return text


def _assigned(p: Mapping[str, Any]) -> str:
    due = _due(p.get("due"))
    if due:
        return _("%(module)s was assigned to you, due %(due)s.") % {"module": p.get("module", ""), "due": due}
    return _("%(module)s was assigned to you.") % {"module": p.get("module", "")}


RENDERERS: dict[str, Callable[[Mapping[str, Any]], str]] = {
    "question_target": _question_target,
    "question_in_order": lambda p: _("The next question in this module."),
    "placement": lambda p: _("A question on %(skill)s, to find out where you start.") % {"skill": p.get("skill", "")},
    "placement_last": lambda p: _("That was the last placement question. Thanks!"),
    "quiz_mastered": lambda p: _("You've got %(skills)s. Quiz complete, nicely done!") % {
        "skills": _names(p.get("skills", ()))},
    "quiz_all_answered": lambda p: _("That's every question in this quiz."),
    "quiz_only_mastered_left": lambda p: _(
        "The questions left here only cover what you already know. %(skills)s needs a bit more practice: "
        "your next step brings it.") % {"skills": _names(p.get("skills", ()))},
    "assigned": _assigned,
    "learn": _learn,
    "review_slipped": lambda p: _(
        "A quick review: %(skill)s has slipped a little since you mastered it. A few questions will bring it "
        "back.") % {"skill": p.get("skill", "")},
    "review_again": lambda p: _(
        "Another go at %(module)s: you're close on %(skill)s, and nothing new is ready for you yet.") % {
        "module": p.get("module", ""), "skill": p.get("skill", "")},
    "review_last_left": lambda p: _("One more go at %(module)s: it's the last module left to complete.") % {
        "module": p.get("module", "")},
    "review_faded": lambda p: _(
        "Time for a review of %(module)s: %(skill)s is the skill most likely to have faded since you practised "
        "it.") % {"module": p.get("module", ""), "skill": p.get("skill", "")},
    "review_oldest": lambda p: _(
        "Time for a review of %(module)s: it's been the longest since you studied it.") % {
        "module": p.get("module", "")},
    "move_on": _move_on,
    "next_in_order": lambda p: _("%(module)s is next in the course.") % {"module": p.get("module", "")},
    "done": lambda p: _("You've completed every module of this course. Well done!"),
}


def learner_text(code: str, params: Mapping[str, Any] | None) -> str:
    """The learner's sentence for a decision's reason code, or "" for no code or an unknown one."""
    render = RENDERERS.get(code or "")
    if render is None:
        return ""
    try:
        return render(params or {})
    except (TypeError, ValueError, KeyError):  # parameters stored by an older version: use the detailed reason
        return ""
