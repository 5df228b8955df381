"""The adaptive decisions: which question next inside a module, and which module next in a course.

Plain functions over plain values (predicted probabilities, mastery per skill, the course's module
graph), so they are tested on hand-built states and run the same in a worker or in the web process
when the worker is late. Every decision carries its candidates with their scores and a reason in
plain words, which the product stores and shows to the learner.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

#: Skills are named by their slugs, as in the catalogues and the learner models' vocabularies.
SkillId = str
#: Questions and modules are named however the caller names them (primary keys in the product, keys
#: or slugs in the benchmarks); the policy only compares them and hands one back.
ItemId = Hashable

DEFAULT_TARGET_SUCCESS = 0.7
DEFAULT_MASTERY_THRESHOLD = 0.85
#: How many of the latest finished quizzes are looked at for a learner going round in circles.
LOOP_WINDOW = 6
#: The rise in predicted success (on the 0-1 scale) that counts as progress on a module's skill.
MEANINGFUL_GAIN = 0.05
#: In the review once every module is done: the mastery that each answer already given on a skill is
#: worth when choosing what to review. A model that has not learnt forgetting shows every practised
#: skill near its ceiling, while a skill practised often is the one whose memory lasts; on the demo
#: course the number of answers on a skill tracks the learner's real chance of success far better
#: than the model's mastery at that point (rank correlation 0.76 against 0.43,
#: ``benchmarks/review_signals.py``; docs/benchmarks.md).
PRACTICE_WEIGHT = 0.002
#: In the same review: the mastery taken off a skill for each day since a module teaching it was last
#: studied (counted back from the latest module studied), so the review goes round the skills left
#: longest instead of returning to the one with the fewest answers. On the demo course, over 1,000
#: simulated learners of ten seeds in process, it took the adaptive path from 33% to 37% fewer
#: questions than the fixed order, with 94% reaching true mastery either way and 2 learners left on
#: a plateau against 4 (docs/benchmarks.md).
STALE_WEIGHT = 0.002
#: And for each module studied since (a count that needs no clock: a learner who works through the
#: course in one week, or a site whose learners' days are compressed, still goes round the skills
#: left longest). Over the same 1,000 learners, days and modules together: 37.2% fewer questions,
#: 94.7% reaching mastery, 2 on a plateau; modules alone: 35.1%, 94.5%, none (docs/benchmarks.md).
STALE_WEIGHT_PER_MODULE = 0.0025


@dataclass(frozen=True)
class QuestionCandidate:
    """A question that could be asked next, with the model's predicted chance of a correct answer."""

    id: ItemId
    predicted: float
    skills: tuple[SkillId, ...] = ()


@dataclass(frozen=True)
class ScoredCandidate:
    id: Hashable
    score: float
    detail: dict[str, float | str] = field(default_factory=dict)


@dataclass(frozen=True)
class QuestionDecision:
    """The next question, or ``None`` with ``stop`` set to why the quiz ends."""

    question: ItemId | None
    stop: str | None  # None, "mastered" or "pool_exhausted"
    reason: str
    candidates: tuple[ScoredCandidate, ...]
    # The same, for the learner's words: a code and its parameters (names, numbers), rendered in the
    # reader's language by the product (``adaptive.reasons``); ``reason`` is the detailed version.
    code: str = ""
    params: Mapping[str, Any] = field(default_factory=dict)


def choose_next_question(
    candidates: Sequence[QuestionCandidate],
    *,
    asked: Sequence[ItemId],
    module_mastery: Mapping[SkillId, float],
    skill_names: Mapping[SkillId, str] | None = None,
    target_success: float = DEFAULT_TARGET_SUCCESS,
    mastery_threshold: float = DEFAULT_MASTERY_THRESHOLD,
    min_questions: int = 6,
    avoid_recent: int = 2,
) -> QuestionDecision:
    """Pick the question whose predicted success is closest to ``target_success``, among those that
    practise a skill of ``module_mastery`` still below ``mastery_threshold`` when there are any.

    ``candidates`` is the module's pool; ``asked`` the questions asked in this quiz so far, oldest
    first (they are not asked again while others remain, and the last ``avoid_recent`` never
    immediately again). Without the preference for unmastered skills, a module teaching two skills
    would keep asking about the one already mastered whenever its questions sit closer to the
    target. The quiz stops once every skill in ``module_mastery`` is at or above
    ``mastery_threshold`` and at least ``min_questions`` were asked, or when the pool is used up:
    when no question is left, or (after ``min_questions``) when every question left practises only
    skills already mastered, while a skill below the threshold has none left. Asking those would
    only go over what the learner knows; the module decision brings the weak skill back.

    The minimum matters most for a module the model already believed mastered when the quiz began
    (a review): a model learns forgetting only where its training answers show it (gru_pfa sees
    the days between answers, but learners who never leave a skill for long teach it nothing about
    them), so the quiz's own answers are the surest sign of what was forgotten. Three right answers in a row come
    from a learner at 70% a third of the time; six, one time in eight.
    """
    names = skill_names or {}
    asked_set = set(asked)
    if len(asked) >= min_questions and module_mastery and all(
        m >= mastery_threshold for m in module_mastery.values()
    ):
        listed = ", ".join(f"{names.get(s, s)} {m:.0%}" for s, m in sorted(module_mastery.items(), key=_by_name(names)))
        return QuestionDecision(None, "mastered", f"Every skill of this module is mastered ({listed}).", (),
                                "quiz_mastered", {"skills": [str(names.get(s, s)) for s in sorted(module_mastery, key=lambda s: str(names.get(s, s)))]})
    fresh = [c for c in candidates if c.id not in asked_set]
    if not fresh:
        return QuestionDecision(None, "pool_exhausted", "You have answered every question in this module.", (),
                                "quiz_all_answered")
    recent = set(asked[-avoid_recent:]) if avoid_recent else set()
    pool = [c for c in fresh if c.id not in recent] or fresh

    unmastered = {s for s, m in module_mastery.items() if m < mastery_threshold}

    def practises_unmastered(c: QuestionCandidate) -> bool:
        return not unmastered.isdisjoint(c.skills)

    if unmastered and len(asked) >= min_questions and not any(map(practises_unmastered, fresh)):
        weak = sorted(unmastered, key=lambda s: str(names.get(s, s)))
        listed = ", ".join(f"{names.get(s, s)} {module_mastery[s]:.0%}" for s in weak)
        verb = "needs" if len(weak) == 1 else "need"
        return QuestionDecision(None, "pool_exhausted", "The questions left in this module practise only skills "
                                f"already mastered. {listed} {verb} more practice; your next recommendation brings it.", (),
                                "quiz_only_mastered_left", {"skills": [str(names.get(s, s)) for s in weak]})

    def weakest_mastery(c: QuestionCandidate) -> float:
        return min((module_mastery.get(s, 0.0) for s in c.skills), default=1.0)

    ranked = sorted(pool, key=lambda c: (not practises_unmastered(c), round(abs(c.predicted - target_success), 6),
                                         weakest_mastery(c), str(c.id)))

    def detail(c: QuestionCandidate) -> dict[str, float | str]:
        shown: dict[str, float | str] = {"predicted": round(c.predicted, 4)}
        if unmastered:
            shown["practises_unmastered"] = "yes" if practises_unmastered(c) else "no"
        return shown

    scored = tuple(ScoredCandidate(c.id, round(abs(c.predicted - target_success), 4), detail(c)) for c in ranked)
    chosen = ranked[0]
    among = (" among questions on skills not mastered yet"
             if practises_unmastered(chosen) and not all(map(practises_unmastered, pool)) else "")
    reason = (
        f"Predicted {chosen.predicted:.0%} chance of success, the closest to the {target_success:.0%} "
        f"this course aims for{among}."
    )
    weak = [s for s in chosen.skills if module_mastery.get(s, 0.0) < mastery_threshold]
    if weak:
        reason += f" It practises {', '.join(str(names.get(s, s)) for s in weak)}."
    return QuestionDecision(chosen.id, None, reason, scored, "question_target",
                            {"predicted": round(chosen.predicted, 4),
                             "skills": [str(names.get(s, s)) for s in (weak or chosen.skills)]})


@dataclass(frozen=True)
class ModuleCandidate:
    """A module of the course: the skills it teaches and the skills it needs first.

    ``last_studied`` is when the learner last finished its quiz (None: never, or not known).
    """

    id: Hashable
    title: str
    order: int
    skills: tuple[SkillId, ...]
    prerequisites: tuple[SkillId, ...] = ()
    completed: bool = False
    last_studied: datetime | None = None


@dataclass(frozen=True)
class Assignment:
    """A module a manager assigned; ``due`` is timezone-aware, so dues set in different time zones
    compare by the instant they fall on."""

    module: Hashable
    due: datetime | None = None


@dataclass(frozen=True)
class Sitting:
    """A module quiz the learner finished: the module, when it ended, and the mastery per skill the
    learner model saw right after it (empty when not known)."""

    module: Hashable
    finished: datetime
    mastery: Mapping[SkillId, float] = field(default_factory=dict)


@dataclass(frozen=True)
class ModuleDecision:
    module: Hashable | None
    kind: str  # "assigned", "move_on", "review", "learn", "next_in_order", "done"
    reason: str
    candidates: tuple[ScoredCandidate, ...]
    code: str = ""  # as QuestionDecision's
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Loop:
    """Modules a learner has gone round without progress: how often each was finished in the
    latest sittings, and the largest rise of one of its skills since the first of them."""

    modules: tuple[Hashable, ...]  # in course order
    sittings: Mapping[Hashable, int]
    gains: Mapping[Hashable, float]


def find_loop(
    modules: Sequence[ModuleCandidate],
    history: Sequence[Sitting],
    *,
    mastery: Mapping[SkillId, float],
    mastery_threshold: float = DEFAULT_MASTERY_THRESHOLD,
    window: int = LOOP_WINDOW,
    meaningful_gain: float = MEANINGFUL_GAIN,
) -> Loop | None:
    """The modules the learner keeps going back to without progress, or ``None``.

    ``history`` holds the finished quizzes, oldest first. The latest sittings that stay within two
    modules (at most ``window`` of them: one module taken again and again, or two taken in turn)
    are the ones looked at; a module finished at least twice among them, with a skill still below
    ``mastery_threshold``, is going round in circles when none of its skills rose by
    ``meaningful_gain`` from just after its first sitting there to any point since (the later
    sittings, or ``mastery`` now). A sitting whose mastery is not known starts no comparison, so a
    module known only from such sittings is never called a loop.
    """
    by_id = {m.id: m for m in modules}
    run: list[Sitting] = []
    seen: set[Hashable] = set()
    for sitting in reversed([s for s in history if s.module in by_id][-window:]):
        if sitting.module not in seen and len(seen) == 2:
            break
        seen.add(sitting.module)
        run.append(sitting)
    run.reverse()
    counts = Counter(s.module for s in run)
    sittings: dict[Hashable, int] = {}
    gains: dict[Hashable, float] = {}
    for module_id, n in counts.items():
        skills = by_id[module_id].skills
        if n < 2 or all(mastery.get(s, 0.0) >= mastery_threshold for s in skills):
            continue
        firsts = [i for i, s in enumerate(run) if s.module == module_id][:-1]
        start = next((i for i in firsts if any(k in run[i].mastery for k in skills)), None)
        if start is None:
            continue
        before = run[start].mastery
        later = [s.mastery for s in run[start + 1:]] + [mastery]
        gain = max(later_m.get(k, before[k]) - before[k] for later_m in later for k in skills if k in before)
        if gain < meaningful_gain:
            sittings[module_id], gains[module_id] = n, gain
    if not sittings:
        return None
    return Loop(tuple(sorted(sittings, key=lambda m: by_id[m].order)), sittings, gains)


def choose_next_module(
    modules: Sequence[ModuleCandidate],
    *,
    mastery: Mapping[SkillId, float],
    previously_mastered: frozenset[SkillId] | set[SkillId] = frozenset(),
    assignments: Sequence[Assignment] = (),
    history: Sequence[Sitting] = (),
    skill_names: Mapping[SkillId, str] | None = None,
    mastery_threshold: float = DEFAULT_MASTERY_THRESHOLD,
    practice: Mapping[SkillId, int] | None = None,
) -> ModuleDecision:
    """Recommend the next module of a course.

    In this order: a module a manager assigned and the learner has not completed (earliest due date
    first); a change of course when the learner is going round in circles (:func:`find_loop` on
    ``history``, the finished quizzes oldest first: see :func:`move_on`); a review of a skill the
    learner had mastered that is now predicted below the threshold (spaced review, the most slipped
    first); among modules whose prerequisite skills are mastered, the one with the most to gain
    (the sum of ``threshold - mastery`` over its unmastered skills); else the first module not
    completed in course order; else, once every module is completed (``last_studied`` known), a
    review of the module with the skill likeliest to have faded: the lowest mastery, each answer the
    learner has given on the skill (``practice``, answers per skill in this course) counting as
    :data:`PRACTICE_WEIGHT` of mastery, since what was practised more is remembered longer, and
    each day since the skill was last studied as :data:`STALE_WEIGHT` less and each module studied
    since as :data:`STALE_WEIGHT_PER_MODULE` less; the module studied
    longest ago among equals, so a model that has not learnt forgetting still
    reaches a skill fading over weeks away. On the demo course (``benchmarks/adaptive_vs_fixed.py
    --model-file``) reviewing by the weakest skill took the learners reaching true mastery within
    400 questions from 81% to 92%, and counting practice as well took them from 30% to 34% fewer
    questions than the fixed order, with 93% to 95% reaching mastery.

    The module of the latest finished quiz comes back next only as a review (kind ``review``, with
    a reason that says so and why): taking the same quiz again straight away is how learners went
    round in circles. The recommendation guides; it locks nothing.
    """
    names = skill_names or {}
    by_id = {m.id: m for m in modules}
    just = history[-1].module if history else None

    def name(skill: SkillId) -> str:
        return str(names.get(skill, skill))

    open_assignments = [a for a in assignments
                        if a.module in by_id and not by_id[a.module].completed and a.module != just]
    if open_assignments:
        far = datetime.max.replace(tzinfo=UTC)
        ranked_a = sorted(open_assignments, key=lambda a: (a.due or far, by_id[a.module].order))
        chosen_a = ranked_a[0]
        due = f", due {chosen_a.due:%-d %b}" if chosen_a.due else ""
        scored = tuple(ScoredCandidate(a.module, float(i), {"due": a.due.isoformat() if a.due else ""})
                       for i, a in enumerate(ranked_a))
        return ModuleDecision(chosen_a.module, "assigned",
                              f"{by_id[chosen_a.module].title} was assigned to you{due}.", scored, "assigned",
                              {"module": by_id[chosen_a.module].title,
                               "due": chosen_a.due.date().isoformat() if chosen_a.due else ""})

    loop = find_loop(modules, history, mastery=mastery, mastery_threshold=mastery_threshold)
    if loop is not None:
        moved = move_on(modules, loop, mastery=mastery, just_finished=just, skill_names=names,
                        mastery_threshold=mastery_threshold)
        if moved is not None:
            return moved

    slipped = sorted(
        ((s, mastery.get(s, 0.0)) for s in previously_mastered if mastery.get(s, 0.0) < mastery_threshold),
        key=lambda pair: (pair[1], name(pair[0])),
    )
    for skill, level in slipped:
        teaching = sorted((m for m in modules if skill in m.skills), key=lambda m: m.order)
        if teaching:
            module = teaching[0]
            scored = tuple(ScoredCandidate(s, round(mastery_threshold - lvl, 4), {"mastery": round(lvl, 4)})
                           for s, lvl in slipped)
            which = f" of {module.title}, which you just finished" if module.id == just else ""
            return ModuleDecision(
                module.id, "review",
                f"Time for a short review{which}: {name(skill)} was mastered but is now at {level:.0%}.", scored,
                "review_slipped", {"module": module.title, "skill": name(skill)},
            )

    def unlocked(m: ModuleCandidate) -> bool:
        return all(mastery.get(p, 0.0) >= mastery_threshold for p in m.prerequisites)

    def gain(m: ModuleCandidate) -> float:
        return sum(max(0.0, mastery_threshold - mastery.get(s, 0.0)) for s in m.skills)

    def weakest_skill(m: ModuleCandidate) -> SkillId:
        return min(m.skills, key=lambda s: (mastery.get(s, 0.0), name(s)))

    scored_modules = sorted(
        (m for m in modules if unlocked(m) and gain(m) > 0),
        key=lambda m: (-round(gain(m), 6), m.order),
    )
    if scored_modules:
        scored = tuple(ScoredCandidate(m.id, round(gain(m), 4),
                                       {"title": m.title, **({"just_finished": "yes"} if m.id == just else {})})
                       for m in scored_modules)
        others = [m for m in scored_modules if m.id != just]
        if not others:
            again = scored_modules[0]
            skill = weakest_skill(again)
            return ModuleDecision(again.id, "review", f"A review of {again.title}, which you just finished: "
                                  f"{name(skill)} is at {mastery.get(skill, 0.0):.0%}, not mastered yet, and no "
                                  "other module is ready for you yet.", scored,
                                  "review_again", {"module": again.title, "skill": name(skill)})
        chosen = others[0]
        skill = weakest_skill(chosen)
        reason = f"{name(skill)} is at {mastery.get(skill, 0.0):.0%}"
        prereqs = [name(p) for p in chosen.prerequisites]
        if prereqs:
            verb = "is" if len(prereqs) == 1 else "are"
            noun = "its prerequisite" if len(prereqs) == 1 else "its prerequisites"
            reason += f" and {noun} {', '.join(prereqs)} {verb} mastered."
        else:
            reason += " and it needs nothing you have not learnt."
        return ModuleDecision(chosen.id, "learn", reason, scored, "learn",
                              {"module": chosen.title, "skill": name(skill),
                               "level": round(mastery.get(skill, 0.0), 4), "prerequisites": prereqs,
                               **({"answers": practice.get(skill, 0)} if practice is not None else {})})

    in_order = next_in_order(modules)
    if in_order.module is not None and in_order.module == just:  # finished, yet not recorded as completed
        rest = next_in_order([m for m in modules if m.id != just])
        if rest.module is not None:
            return rest
        return ModuleDecision(just, "review", f"A review of {by_id[just].title}, which you just finished: it is "
                              "the last module left to complete.", (), "review_last_left", {"module": by_id[just].title})
    dated = sorted(((m, m.last_studied) for m in modules if m.last_studied is not None),
                   key=lambda pair: (pair[1], pair[0].order))
    if in_order.module is None and dated and mastery:
        # Every module done and every skill at the threshold as far as the model can tell: review the
        # module whose weakest skill is lowest, the likeliest not to be secure yet (the one studied
        # longest ago among equals; the module just finished only if nothing else is left).
        answers = practice or {}

        latest = max(at for _, at in dated)
        last_seen: dict[SkillId, datetime] = {}
        for m, at in dated:
            for s in m.skills:
                last_seen[s] = max(last_seen.get(s, at), at)

        def held(s: SkillId) -> float:
            return mastery.get(s, 0.0) + PRACTICE_WEIGHT * answers.get(s, 0)

        def secure(s: SkillId) -> float:
            seen = last_seen.get(s, latest)
            days = (latest - seen).total_seconds() / 86400
            since = sum(1 for _, at in dated if at > seen)
            return held(s) - STALE_WEIGHT * days - STALE_WEIGHT_PER_MODULE * since

        def weakest(m: ModuleCandidate) -> float:
            return min((secure(s) for s in m.skills), default=1.0)

        def weakest_held(m: ModuleCandidate) -> float:
            return min((held(s) for s in m.skills), default=1.0)

        ranked = sorted((m for m, _ in dated), key=lambda m: (m.id == just, round(weakest(m), 4), m.last_studied, m.order))
        chosen = ranked[0]
        faded = min(chosen.skills, key=lambda s: (secure(s), name(s))) if chosen.skills else None
        scored = tuple(ScoredCandidate(m.id, round(weakest(m), 4), {"last_studied": m.last_studied.isoformat()
                                                                     if m.last_studied else ""}) for m in ranked)
        oldest_first = min((m for m in ranked if m.id != just), key=lambda m: (m.last_studied, m.order), default=chosen)
        # Studied longest ago, and no weaker than another module on mastery and practice alone: chosen
        # for its age, and the reason says so.
        by_age = chosen is oldest_first and any(
            round(weakest_held(m), 4) <= round(weakest_held(chosen), 4) for m in ranked if m is not chosen)
        if by_age or faded is None:
            reason = (f"Time for a review: you last studied {chosen.title} on {chosen.last_studied:%-d %b}, "
                      "longer ago than any other module.")
            code, params = "review_oldest", {"module": chosen.title}
        elif practice is not None:
            count = answers.get(faded, 0)
            reason = (f"Time for a review of {chosen.title}: {name(faded)} is the skill likeliest to have faded "
                      f"({count} answer{'' if count == 1 else 's'} so far, at {mastery.get(faded, 0.0):.0%}).")
            code, params = "review_faded", {"module": chosen.title, "skill": name(faded)}
        else:
            reason = f"Time for a review of {chosen.title}: {name(faded)} is the skill you are least sure of."
            code, params = "review_faded", {"module": chosen.title, "skill": name(faded)}
        return ModuleDecision(chosen.id, "review", reason, scored, code, params)
    if in_order.module is None and dated:
        oldest, when = dated[0]
        scored = tuple(ScoredCandidate(m.id, float(i), {"last_studied": at.isoformat()}) for i, (m, at) in enumerate(dated))
        return ModuleDecision(oldest.id, "review", f"Time for a review: you last studied {oldest.title} on "
                              f"{when:%-d %b}, longer ago than any other module.", scored,
                              "review_oldest", {"module": oldest.title})
    return in_order


def move_on(
    modules: Sequence[ModuleCandidate],
    loop: Loop,
    *,
    mastery: Mapping[SkillId, float],
    just_finished: Hashable | None = None,
    skill_names: Mapping[SkillId, str] | None = None,
    mastery_threshold: float = DEFAULT_MASTERY_THRESHOLD,
) -> ModuleDecision | None:
    """A way out of ``loop`` (kind ``move_on``), or ``None`` when the course has nowhere else to go.

    In this order: the first module in course order, not completed, whose prerequisites are
    mastered; else the first one not completed whose only prerequisites still missing are the
    skills the learner has been going round on (the prerequisite is released, and the reason says
    so); else the next module in course order (not completed first). Never a module of the loop,
    nor the one just finished. The candidates name the modules of the loop (``looped``: yes, with
    how often each was finished and its largest rise) and then the module chosen.
    """
    names = skill_names or {}
    by_id = {m.id: m for m in modules}
    looped = set(loop.modules)
    stuck = {s for m in loop.modules for s in by_id[m].skills if mastery.get(s, 0.0) < mastery_threshold}
    ordered = [m for m in sorted(modules, key=lambda m: m.order) if m.id not in looped and m.id != just_finished]

    def missing(m: ModuleCandidate) -> list[SkillId]:
        return [p for p in m.prerequisites if mastery.get(p, 0.0) < mastery_threshold]

    titles = _listed([by_id[m].title for m in loop.modules])
    it = "it" if len(loop.modules) == 1 else "them"
    released: list[SkillId] = []
    chosen = next((m for m in ordered if not m.completed and not missing(m)), None)
    if chosen is None:
        chosen = next((m for m in ordered if not m.completed and set(missing(m)) <= stuck), None)
        released = missing(chosen) if chosen is not None else []
    if chosen is None:
        chosen = next((m for m in ordered if not m.completed), None) or next(iter(ordered), None)
    if chosen is None:
        return None
    reason = f"You've practised {titles} several times; let's move on to {chosen.title} and come back to {it} later."
    if released:
        skills = _listed([str(names.get(s, s)) for s in released])
        verb = "is" if len(released) == 1 else "are"
        reason += f" {chosen.title} usually waits until {skills} {verb} mastered, but you can start it now."
    scored = (
        *(ScoredCandidate(m, float(loop.sittings[m]), {"title": by_id[m].title, "looped": "yes",
                                                      "sittings": loop.sittings[m], "gain": round(loop.gains[m], 4)})
          for m in loop.modules),
        ScoredCandidate(chosen.id, 0.0, {"title": chosen.title, "looped": "no",
                                         "released": ", ".join(str(names.get(s, s)) for s in released)}),
    )
    return ModuleDecision(chosen.id, "move_on", reason, scored, "move_on",
                          {"module": chosen.title, "looped": [by_id[m].title for m in loop.modules],
                           "released": [str(names.get(s, s)) for s in released]})


def next_in_order(modules: Sequence[ModuleCandidate]) -> ModuleDecision:
    """The fallback with no model state: the first module not completed, in course order."""
    for module in sorted(modules, key=lambda m: m.order):
        if not module.completed:
            return ModuleDecision(module.id, "next_in_order", f"{module.title} is next in the course.", (),
                                  "next_in_order", {"module": module.title})
    return ModuleDecision(None, "done", "You have completed every module of this course.", (), "done")


def _listed(words: Sequence[str]) -> str:
    """"a", "a and b", "a, b and c"."""
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def _by_name(names: Mapping[SkillId, str]) -> Callable[[tuple[SkillId, float]], str]:
    """The sort key of (skill, mastery) pairs: the skill's name."""
    return lambda pair: names.get(pair[0], pair[0])
