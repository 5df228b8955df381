"""The adaptive decisions on hand-built states."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from adaptive.core.policy import (
    Assignment,
    ModuleCandidate,
    QuestionCandidate,
    Sitting,
    choose_next_module,
    choose_next_question,
    find_loop,
    next_in_order,
)

NAMES = {"tables": "Reading tables", "mean": "Averages", "spread": "Spread", "charts": "Charts"}


def _pool() -> list[QuestionCandidate]:
    return [
        QuestionCandidate("easy", 0.95, ("mean",)),
        QuestionCandidate("target", 0.72, ("mean",)),
        QuestionCandidate("hard", 0.30, ("mean",)),
        QuestionCandidate("medium", 0.60, ("mean",)),
    ]


def test_it_picks_the_question_closest_to_the_target() -> None:
    decision = choose_next_question(_pool(), asked=[], module_mastery={"mean": 0.5}, skill_names=NAMES)
    assert decision.question == "target"
    assert decision.stop is None
    assert [c.id for c in decision.candidates] == ["target", "medium", "easy", "hard"]
    assert "72%" in decision.reason and "70%" in decision.reason and "Averages" in decision.reason


def test_it_follows_the_course_target() -> None:
    decision = choose_next_question(_pool(), asked=[], module_mastery={"mean": 0.5}, target_success=0.9)
    assert decision.question == "easy"


def test_it_does_not_repeat_questions_already_asked() -> None:
    decision = choose_next_question(_pool(), asked=["target"], module_mastery={"mean": 0.5})
    assert decision.question == "medium"


def test_it_avoids_an_immediate_repeat_even_when_the_pool_has_been_used() -> None:
    pool = [QuestionCandidate("a", 0.7), QuestionCandidate("b", 0.5)]
    decision = choose_next_question(pool, asked=["b"], module_mastery={"mean": 0.2}, avoid_recent=1)
    assert decision.question == "a"


def test_it_practises_a_skill_not_mastered_yet_before_one_that_is() -> None:
    pool = [QuestionCandidate("mean-near-target", 0.71, ("mean",)), QuestionCandidate("spread-easy", 0.9, ("spread",))]
    decision = choose_next_question(pool, asked=[], module_mastery={"mean": 0.9, "spread": 0.6}, skill_names=NAMES)
    assert decision.question == "spread-easy"
    assert [c.detail["practises_unmastered"] for c in decision.candidates] == ["yes", "no"]
    assert decision.reason == ("Predicted 90% chance of success, the closest to the 70% this course aims for among "
                               "questions on skills not mastered yet. It practises Spread.")


def test_it_counts_a_question_on_two_skills_as_practising_either() -> None:
    pool = [QuestionCandidate("mean-only", 0.7, ("mean",)), QuestionCandidate("both", 0.5, ("mean", "spread"))]
    decision = choose_next_question(pool, asked=[], module_mastery={"mean": 0.9, "spread": 0.6})
    assert decision.question == "both"


def test_it_stops_when_the_module_skills_are_mastered() -> None:
    decision = choose_next_question(_pool(), asked=["u", "v", "w", "x", "y", "z"],
                                    module_mastery={"mean": 0.9, "spread": 0.86}, skill_names=NAMES)
    assert decision.question is None and decision.stop == "mastered"
    assert "Averages 90%" in decision.reason


def test_it_asks_a_minimum_before_declaring_mastery() -> None:
    decision = choose_next_question(_pool(), asked=["hard"], module_mastery={"mean": 0.95}, min_questions=3)
    assert decision.question is not None


def test_it_asks_six_questions_before_declaring_mastery_unless_told_otherwise() -> None:
    five = choose_next_question(_pool(), asked=["u", "v", "w", "x", "y"], module_mastery={"mean": 0.95})
    six = choose_next_question(_pool(), asked=["u", "v", "w", "x", "y", "z"], module_mastery={"mean": 0.95})
    assert five.question is not None
    assert six.question is None and six.stop == "mastered"


def test_it_stops_when_the_pool_is_used_up() -> None:
    pool = _pool()
    decision = choose_next_question(pool, asked=[c.id for c in pool], module_mastery={"mean": 0.4})
    assert decision.question is None and decision.stop == "pool_exhausted"


def test_it_stops_when_no_question_left_practises_the_skill_still_below_the_threshold() -> None:
    pool = [QuestionCandidate(f"mean-{i}", 0.7, ("mean",)) for i in range(6)] + [
        QuestionCandidate("spread-1", 0.6, ("spread",)), QuestionCandidate("spread-2", 0.65, ("spread",))]
    asked = ["spread-1", "spread-2", "mean-0", "mean-1", "mean-2", "mean-3"]
    decision = choose_next_question(pool, asked=asked, module_mastery={"mean": 0.9, "spread": 0.7}, skill_names=NAMES)
    assert decision.question is None and decision.stop == "pool_exhausted"
    assert decision.reason == ("The questions left in this module practise only skills already mastered. "
                               "Spread 70% needs more practice; your next recommendation brings it.")


def test_it_asks_the_minimum_even_when_only_mastered_skills_are_left_to_practise() -> None:
    pool = [QuestionCandidate(f"mean-{i}", 0.7, ("mean",)) for i in range(6)] + [QuestionCandidate("spread-1", 0.6, ("spread",))]
    decision = choose_next_question(pool, asked=["spread-1", "mean-0"], module_mastery={"mean": 0.9, "spread": 0.7})
    assert decision.question is not None and decision.question.startswith("mean-")


def test_a_question_on_two_skills_keeps_the_quiz_going_for_the_weak_one() -> None:
    pool = [QuestionCandidate(f"mean-{i}", 0.7, ("mean",)) for i in range(6)] + [
        QuestionCandidate("both", 0.5, ("mean", "spread"))]
    asked = [f"mean-{i}" for i in range(6)]
    decision = choose_next_question(pool, asked=asked, module_mastery={"mean": 0.9, "spread": 0.7})
    assert decision.question == "both"


def _course(completed: frozenset[str] = frozenset()) -> list[ModuleCandidate]:
    return [
        ModuleCandidate("m-tables", "Reading tables", 0, ("tables",), (), "m-tables" in completed),
        ModuleCandidate("m-mean", "Averages", 1, ("mean",), ("tables",), "m-mean" in completed),
        ModuleCandidate("m-spread", "Spread", 2, ("spread",), ("mean",), "m-spread" in completed),
        ModuleCandidate("m-charts", "Charts", 3, ("charts",), ("tables",), "m-charts" in completed),
    ]


def test_it_chooses_the_unlocked_module_with_most_to_gain() -> None:
    mastery = {"tables": 0.9, "mean": 0.6, "spread": 0.1, "charts": 0.3}
    decision = choose_next_module(_course(), mastery=mastery, skill_names=NAMES)
    # spread has most to gain but its prerequisite (mean) is not mastered: locked.
    assert decision.module == "m-charts" and decision.kind == "learn"
    assert decision.reason == "Charts is at 30% and its prerequisite Reading tables is mastered."
    assert [c.id for c in decision.candidates] == ["m-charts", "m-mean"]
    assert "answers" not in decision.params  # answers per skill not given: not claimed
    counted = choose_next_module(_course(), mastery=mastery, skill_names=NAMES, practice={"tables": 9})
    assert counted.params["answers"] == 0  # the learner has not answered on Charts yet


def test_it_starts_with_modules_that_need_nothing() -> None:
    decision = choose_next_module(_course(), mastery={}, skill_names=NAMES)
    assert decision.module == "m-tables"
    assert "needs nothing" in decision.reason


def test_it_brings_back_a_skill_that_slipped() -> None:
    mastery = {"tables": 0.95, "mean": 0.7, "spread": 0.2, "charts": 0.2}
    decision = choose_next_module(_course(frozenset({"m-tables", "m-mean"})), mastery=mastery,
                                  previously_mastered={"tables", "mean"}, skill_names=NAMES)
    assert decision.module == "m-mean" and decision.kind == "review"
    assert decision.reason == "Time for a short review: Averages was mastered but is now at 70%."


def _studied(days: dict[str, int]) -> list[ModuleCandidate]:
    """Every module completed, each last studied on the given day of December 2026."""
    return [replace(m, completed=True, last_studied=datetime(2026, 12, days[m.id], tzinfo=UTC))
            for m in _course()]


def test_once_everything_is_done_it_reviews_the_module_studied_longest_ago() -> None:
    mastery = {"tables": 0.9, "mean": 0.9, "spread": 0.9, "charts": 0.9}
    modules = _studied({"m-tables": 9, "m-mean": 12, "m-spread": 3, "m-charts": 7})
    decision = choose_next_module(modules, mastery=mastery, previously_mastered=set(mastery), skill_names=NAMES)
    assert decision.module == "m-spread" and decision.kind == "review"
    assert decision.reason == "Time for a review: you last studied Spread on 3 Dec, longer ago than any other module."
    assert [c.id for c in decision.candidates] == ["m-spread", "m-charts", "m-tables", "m-mean"]


def test_once_everything_is_done_it_reviews_the_module_of_the_least_secure_skill_first() -> None:
    # Every skill above the threshold, but Averages least so: the likeliest not to be secure yet.
    mastery = {"tables": 0.97, "mean": 0.85, "spread": 0.88, "charts": 0.95}
    modules = _studied({"m-tables": 9, "m-mean": 12, "m-spread": 3, "m-charts": 7})
    decision = choose_next_module(modules, mastery=mastery, previously_mastered=set(mastery), skill_names=NAMES)
    assert decision.module == "m-mean" and decision.kind == "review"
    assert decision.reason == "Time for a review of Averages: Averages is the skill you are least sure of."
    assert [c.id for c in decision.candidates] == ["m-mean", "m-spread", "m-charts", "m-tables"]


def test_once_everything_is_done_it_counts_practice_toward_a_skills_security() -> None:
    # Averages is the lowest (0.86) but has 40 answers behind it and was studied last; Spread, at 0.88
    # with 5 answers, studied 9 days before, is the likelier to have faded.
    from adaptive.core.policy import PRACTICE_WEIGHT, STALE_WEIGHT, STALE_WEIGHT_PER_MODULE

    mastery = {"tables": 0.97, "mean": 0.86, "spread": 0.88, "charts": 0.95}
    practice = {"tables": 30, "mean": 40, "spread": 5, "charts": 12}
    modules = _studied({"m-tables": 9, "m-mean": 12, "m-spread": 3, "m-charts": 7})
    decision = choose_next_module(modules, mastery=mastery, previously_mastered=set(mastery), skill_names=NAMES,
                                  practice=practice)
    assert decision.module == "m-spread" and decision.kind == "review"
    assert decision.reason == "Time for a review of Spread: Spread is the skill likeliest to have faded (5 answers so far, at 88%)."
    assert [c.id for c in decision.candidates] == ["m-spread", "m-mean", "m-charts", "m-tables"]
    # Spread was last studied on 3 Dec, 9 days and three modules before the latest (12 Dec).
    assert decision.candidates[0].score == round(0.88 + 5 * PRACTICE_WEIGHT - 9 * STALE_WEIGHT
                                                 - 3 * STALE_WEIGHT_PER_MODULE, 4)
    # Without a count of answers, the lowest mastery is reviewed, as before, when it is clearly lowest.
    lowest = {**mastery, "mean": 0.85}
    assert choose_next_module(modules, mastery=lowest, previously_mastered=set(mastery)).module == "m-mean"
    # Practice never outranks a skill that slipped below the threshold.
    slipped = choose_next_module(modules, mastery={**mastery, "tables": 0.8}, previously_mastered=set(mastery),
                                 practice=practice)
    assert slipped.module == "m-tables" and "was mastered but is now at 80%" in slipped.reason


def test_once_everything_is_done_it_goes_round_the_skills_left_longest() -> None:
    # Equal mastery and practice: the skill left longest is reviewed, and the review after it moves
    # on to the next one left longest instead of coming back to the same module.
    mastery = {"tables": 0.9, "mean": 0.9, "spread": 0.9, "charts": 0.9}
    practice = {"tables": 10, "mean": 10, "spread": 10, "charts": 10}
    modules = _studied({"m-tables": 9, "m-mean": 12, "m-spread": 3, "m-charts": 7})
    first = choose_next_module(modules, mastery=mastery, previously_mastered=set(mastery), practice=practice)
    assert first.module == "m-spread" and first.code == "review_oldest"
    # Spread reviewed on the 13th (one more answer than the others has not made it the weakest).
    modules = [replace(m, last_studied=datetime(2026, 12, 13, tzinfo=UTC)) if m.id == "m-spread" else m
               for m in modules]
    second = choose_next_module(modules, mastery=mastery, previously_mastered=set(mastery),
                                practice={**practice, "spread": 16})
    assert second.module == "m-charts"
    # A skill far below the others is still reviewed first, however recently it was studied.
    third = choose_next_module(modules, mastery={**mastery, "mean": 0.86}, previously_mastered=set(mastery),
                               practice=practice)
    assert third.module == "m-mean" and third.code == "review_faded"


def test_modules_studied_since_count_when_the_days_do_not_tell() -> None:
    # Everything studied within one afternoon: no skill is days older than another, yet the one whose
    # module was studied three modules ago is reviewed before the one studied just before the last.
    mastery = {"tables": 0.9, "mean": 0.9, "spread": 0.9, "charts": 0.9}
    practice = {"tables": 10, "mean": 10, "spread": 10, "charts": 10}
    afternoon = {"m-spread": 1, "m-tables": 2, "m-charts": 3, "m-mean": 4}
    modules = [replace(m, completed=True, last_studied=datetime(2026, 12, 5, 14, afternoon[m.id], tzinfo=UTC))
               for m in _course()]
    decision = choose_next_module(modules, mastery={**mastery, "spread": 0.902}, previously_mastered=set(mastery),
                                  practice=practice)
    assert decision.module == "m-spread"  # 0.002 more mastery, but three modules studied since
    fresher = choose_next_module(modules, mastery={**mastery, "spread": 0.91}, previously_mastered=set(mastery),
                                 practice=practice)
    assert fresher.module == "m-tables"  # 0.01 more outweighs one module more: the next left longest


def test_it_says_done_when_it_does_not_know_when_modules_were_studied() -> None:
    mastery = {"tables": 0.97, "mean": 0.9, "spread": 0.88, "charts": 0.95}
    everything = frozenset({"m-tables", "m-mean", "m-spread", "m-charts"})
    decision = choose_next_module(_course(everything), mastery=mastery, previously_mastered=set(mastery))
    assert decision.module is None and decision.kind == "done"


def test_a_skill_that_slipped_comes_before_a_review_by_age() -> None:
    mastery = {"tables": 0.97, "mean": 0.7, "spread": 0.88, "charts": 0.95}
    modules = _studied({"m-tables": 9, "m-mean": 12, "m-spread": 3, "m-charts": 7})
    decision = choose_next_module(modules, mastery=mastery, previously_mastered=set(mastery), skill_names=NAMES)
    assert decision.module == "m-mean" and decision.kind == "review"
    assert "Averages was mastered but is now at 70%" in decision.reason


def test_it_puts_assigned_modules_first_by_due_date() -> None:
    mastery = {"tables": 0.1}
    soon = datetime(2026, 12, 3, tzinfo=UTC)
    later = datetime(2026, 12, 20, tzinfo=UTC)
    decision = choose_next_module(
        _course(), mastery=mastery,
        assignments=[Assignment("m-charts", later), Assignment("m-spread", soon), Assignment("m-mean", None)],
    )
    assert decision.module == "m-spread" and decision.kind == "assigned"
    assert decision.reason == "Spread was assigned to you, due 3 Dec."


def test_it_orders_dues_by_the_instant_not_the_wall_clock() -> None:
    # 09:00 in Paris (08:00 UTC) comes before 08:30 UTC, although 08:30 is the earlier wall-clock time.
    paris = datetime(2026, 11, 2, 9, 0, tzinfo=ZoneInfo("Europe/Paris"))
    utc = datetime(2026, 11, 2, 8, 30, tzinfo=UTC)
    decision = choose_next_module(_course(), mastery={"tables": 0.1},
                                  assignments=[Assignment("m-charts", utc), Assignment("m-spread", paris)])
    assert decision.module == "m-spread" and decision.kind == "assigned"


def test_it_skips_assignments_already_completed() -> None:
    decision = choose_next_module(_course(frozenset({"m-spread"})), mastery={},
                                  assignments=[Assignment("m-spread", None)])
    assert decision.kind != "assigned"


def test_it_falls_back_to_course_order_and_says_when_done() -> None:
    assert next_in_order(_course(frozenset({"m-tables"}))).module == "m-mean"
    everything = frozenset({"m-tables", "m-mean", "m-spread", "m-charts"})
    decision = next_in_order(_course(everything))
    assert decision.module is None and decision.kind == "done"


# ----- going round in circles --------------------------------------------------------------------
DEMO_NAMES = {"types": "Types of data", "tables": "Reading tables", "mean": "Averages", "charts": "Reading charts",
              "change": "Relative change"}


def _demo(completed: frozenset[str] = frozenset({"m-data", "m-tables"})) -> list[ModuleCandidate]:
    """The start of the demo course: three modules wait on Reading tables."""
    return [
        ModuleCandidate("m-data", "What is data?", 0, ("types",), (), "m-data" in completed),
        ModuleCandidate("m-tables", "Reading tables", 1, ("tables",), ("types",), "m-tables" in completed),
        ModuleCandidate("m-mean", "Averages", 2, ("mean",), ("tables",), "m-mean" in completed),
        ModuleCandidate("m-charts", "Charts", 3, ("charts",), ("tables", "change"), "m-charts" in completed),
    ]


def _sittings(*modules_and_mastery: tuple[str, dict[str, float]]) -> list[Sitting]:
    """Finished quizzes a day apart in December 2026, oldest first."""
    return [Sitting(module, datetime(2026, 12, day, tzinfo=UTC), mastery)
            for day, (module, mastery) in enumerate(modules_and_mastery, start=1)]


def test_going_round_two_modules_without_progress_releases_the_prerequisite() -> None:
    # Types of data slipped, so "What is data?" comes back as a review, then Reading tables, again and
    # again; Reading tables never reaches the threshold, so Averages and Charts never open.
    mastery = {"types": 0.80, "tables": 0.55}
    history = _sittings(("m-data", {"types": 0.80, "tables": 0.52}), ("m-tables", {"types": 0.80, "tables": 0.55}),
                        ("m-data", {"types": 0.81, "tables": 0.55}), ("m-tables", {}))
    decision = choose_next_module(_demo(), mastery=mastery, previously_mastered={"types"}, history=history,
                                  skill_names=DEMO_NAMES)
    assert decision.module == "m-mean" and decision.kind == "move_on"
    assert decision.reason == ("You've practised What is data? and Reading tables several times; let's move on to "
                               "Averages and come back to them later. Averages usually waits until Reading tables "
                               "is mastered, but you can start it now.")
    assert [(c.id, c.detail["looped"]) for c in decision.candidates] == [
        ("m-data", "yes"), ("m-tables", "yes"), ("m-mean", "no")]
    assert decision.candidates[1].detail == {"title": "Reading tables", "looped": "yes", "sittings": 2, "gain": 0.0}
    assert decision.candidates[2].detail["released"] == "Reading tables"


def test_going_round_one_module_moves_on_to_the_next_open_module() -> None:
    modules = [
        ModuleCandidate("m-tables", "Reading tables", 0, ("tables",), (), True),
        ModuleCandidate("m-mean", "Averages", 1, ("mean",), ("tables",), True),
        ModuleCandidate("m-spread", "Spread", 2, ("spread",), ("mean",)),
        ModuleCandidate("m-charts", "Charts", 3, ("charts",), ("tables",), True),
        ModuleCandidate("m-pct", "Percentages", 4, ("pct",), ("tables",)),
    ]
    mastery = {"tables": 0.9, "mean": 0.35, "spread": 0.0, "charts": 0.6, "pct": 0.6}
    # Averages twice, stuck at 35%; Charts in between, rising: only Averages is going round in circles.
    history = _sittings(("m-mean", {"mean": 0.34, "charts": 0.1}), ("m-charts", {"mean": 0.35, "charts": 0.3}),
                        ("m-mean", {"mean": 0.35, "charts": 0.3}), ("m-charts", {}))
    assert choose_next_module(modules, mastery=mastery).module == "m-mean", "most to gain, without the history"
    decision = choose_next_module(modules, mastery=mastery, history=history, skill_names=NAMES)
    assert decision.module == "m-pct" and decision.kind == "move_on"
    assert decision.reason == ("You've practised Averages several times; let's move on to Percentages and come back "
                               "to it later.")
    assert [c.id for c in decision.candidates if c.detail["looped"] == "yes"] == ["m-mean"]


def test_progress_between_sittings_is_not_going_round_in_circles() -> None:
    mastery = {"types": 0.80, "tables": 0.70}
    history = _sittings(("m-data", {"types": 0.70, "tables": 0.40}), ("m-tables", {"types": 0.75, "tables": 0.55}),
                        ("m-data", {"types": 0.80, "tables": 0.55}), ("m-tables", {}))
    assert find_loop(_demo(), history, mastery=mastery) is None
    decision = choose_next_module(_demo(), mastery=mastery, previously_mastered={"types"}, history=history,
                                  skill_names=DEMO_NAMES)
    assert decision.kind == "review" and decision.module == "m-data"


def test_sittings_with_unknown_mastery_are_not_called_a_loop() -> None:
    history = _sittings(("m-tables", {}), ("m-data", {}), ("m-tables", {}))
    assert find_loop(_demo(), history, mastery={"types": 0.9, "tables": 0.5}) is None


def test_a_module_just_finished_comes_back_only_as_a_labelled_review() -> None:
    mastery = {"types": 0.9, "tables": 0.6}
    history = _sittings(("m-data", {"types": 0.9}), ("m-tables", {}))
    decision = choose_next_module(_demo(), mastery=mastery, history=history, skill_names=DEMO_NAMES)
    assert decision.module == "m-tables" and decision.kind == "review"
    assert decision.reason == ("A review of Reading tables, which you just finished: Reading tables is at 60%, not "
                               "mastered yet, and no other module is ready for you yet.")


def test_a_module_just_finished_gives_way_to_another_open_module() -> None:
    mastery = {"tables": 0.9, "mean": 0.2, "spread": 0.0, "charts": 0.6}
    assert choose_next_module(_course(frozenset({"m-tables", "m-mean"})), mastery=mastery).module == "m-mean"
    decision = choose_next_module(_course(frozenset({"m-tables", "m-mean"})), mastery=mastery,
                                  history=_sittings(("m-mean", {"mean": 0.2})), skill_names=NAMES)
    assert decision.module == "m-charts" and decision.kind == "learn"


def test_a_module_just_finished_never_comes_back_unlabelled() -> None:
    states = [{"tables": t, "mean": m, "spread": s, "charts": c}
              for t in (0.3, 0.9) for m in (0.2, 0.9) for s in (0.1, 0.95) for c in (0.5, 0.9)]
    for completed in (frozenset({"m-tables"}), frozenset({"m-tables", "m-mean", "m-spread", "m-charts"})):
        for just in ("m-tables", "m-mean", "m-spread", "m-charts"):
            modules = [replace(m, last_studied=datetime(2026, 12, 1 + m.order, tzinfo=UTC))
                       for m in _course(completed | {just})]
            for mastery in states:
                for peak in (set(), {"tables", "mean"}):
                    decision = choose_next_module(modules, mastery=mastery, previously_mastered=peak,
                                                  history=_sittings((just, {})), skill_names=NAMES)
                    if decision.module == just:
                        assert decision.kind == "review" and "review" in decision.reason.lower(), decision
