"""Per-skill practice history features, computed two ways that must agree.

``history_features`` computes, for every response of a log at once, what the learner had done on
that response's skill *before* it (attempts, successes, the last three outcomes, how many answers
ago and how many days ago); ``HistoryState`` keeps the same counts online for one learner. Tests
check the two agree.

Days need timestamps (seconds); where a response's time or the time of the learner's previous
answer on the skill is unknown, that feature is 0, as for a skill never practised.
"""

from __future__ import annotations

import math

import numpy as np

N_HISTORY_FEATURES = 12
SECONDS_PER_DAY = 86400.0


def _feature_matrix(attempts: np.ndarray, wins: np.ndarray, last: np.ndarray, gap: np.ndarray,
                    position: np.ndarray, total_wins: np.ndarray, days: np.ndarray) -> np.ndarray:
    """Assemble the features; ``last`` is (n, 3) signed outcomes (+1 right, -1 wrong, 0 none)."""
    attempts = attempts.astype(np.float64)
    wins = wins.astype(np.float64)
    position = position.astype(np.float64)
    features = np.empty((len(attempts), N_HISTORY_FEATURES), dtype=np.float32)
    features[:, 0] = np.log1p(attempts)
    features[:, 1] = np.log1p(wins)
    features[:, 2] = np.log1p(attempts - wins)
    features[:, 3] = (wins + 1.0) / (attempts + 2.0) - 0.5
    features[:, 4] = attempts > 0
    features[:, 5:8] = last
    features[:, 8] = np.log1p(gap)
    features[:, 9] = np.log1p(position)
    features[:, 10] = (total_wins + 1.0) / (position + 2.0) - 0.5
    features[:, 11] = np.log1p(days)
    return features


def history_counts(learner: np.ndarray, skill: np.ndarray, correct: np.ndarray, n_skills: int,
                   timestamp: np.ndarray | None = None
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Vectorised counts before each response: attempts, wins, last outcomes, gap (in answers),
    position, total wins, and days since the previous answer on the skill.

    ``skill`` is dense with -1 for unknown; unknown skills share one history slot, as online.
    ``timestamp`` is in seconds, NaN where unknown (all unknown when not given).
    """
    n = len(learner)
    skill = np.where(skill < 0, n_skills, skill)
    correct = correct.astype(np.int64)
    starts = np.flatnonzero(np.r_[True, learner[1:] != learner[:-1]]) if n else np.zeros(0, dtype=np.int64)
    lengths = np.diff(np.r_[starts, n])
    position = np.arange(n) - np.repeat(starts, lengths)
    learner_cum = np.cumsum(correct)
    total_wins = learner_cum - correct - np.repeat((learner_cum - correct)[starts], lengths) if n else np.zeros(0)

    key = learner.astype(np.int64) * (n_skills + 1) + skill
    order = np.lexsort((np.arange(n), key))
    sorted_key = key[order]
    group_start = np.r_[True, sorted_key[1:] != sorted_key[:-1]] if n else np.zeros(0, dtype=bool)
    group_start_index = np.maximum.accumulate(np.where(group_start, np.arange(n), 0)) if n else np.zeros(0, dtype=np.int64)
    rank = np.arange(n) - group_start_index
    sorted_correct = correct[order]
    cum = np.cumsum(sorted_correct)
    wins_sorted = cum - sorted_correct - (cum - sorted_correct)[group_start_index] if n else np.zeros(0)
    signed = 2 * sorted_correct - 1
    last_sorted = np.zeros((n, 3), dtype=np.float32)
    for lag in (1, 2, 3):
        valid = rank >= lag
        shifted = np.zeros(n, dtype=np.int64)
        shifted[lag:] = signed[:-lag] if n > lag else shifted[lag:]
        last_sorted[:, lag - 1] = np.where(valid, shifted, 0)
    sorted_position = position[order]
    previous_position = np.zeros(n, dtype=np.int64)
    previous_position[1:] = sorted_position[:-1]
    gap_sorted = np.where(rank >= 1, sorted_position - previous_position, 0)
    times = np.full(n, np.nan) if timestamp is None else np.asarray(timestamp, dtype=np.float64)
    sorted_time = times[order]
    previous_time = np.full(n, np.nan)
    previous_time[1:] = sorted_time[:-1]
    days_sorted = _elapsed_days(sorted_time, np.where(rank >= 1, previous_time, np.nan))

    attempts = np.empty(n, dtype=np.int64)
    wins = np.empty(n, dtype=np.int64)
    last = np.empty((n, 3), dtype=np.float32)
    gap = np.empty(n, dtype=np.int64)
    days = np.empty(n, dtype=np.float64)
    days[order] = days_sorted
    attempts[order] = rank
    wins[order] = wins_sorted
    last[order] = last_sorted
    gap[order] = gap_sorted
    return attempts, wins, last, gap, position, total_wins, days


def _elapsed_days(now: np.ndarray | float, then: np.ndarray) -> np.ndarray:
    """Days from ``then`` to ``now`` (seconds), 0 where either is unknown or time ran backwards."""
    with np.errstate(invalid="ignore"):
        days = (np.asarray(now, dtype=np.float64) - then) / SECONDS_PER_DAY
    return np.where(np.isfinite(days) & (days > 0), days, 0.0)


def history_features(learner: np.ndarray, skill: np.ndarray, correct: np.ndarray, n_skills: int,
                     timestamp: np.ndarray | None = None) -> np.ndarray:
    """(n, N_HISTORY_FEATURES) features of each response's skill history before that response."""
    return _feature_matrix(*history_counts(learner, skill, correct, n_skills, timestamp))


class HistoryState:
    """Online per-skill history of one learner, stored as arrays inside a learner state dict."""

    KEYS = ("hist_attempts", "hist_wins", "hist_last", "hist_last_position", "hist_position", "hist_total_wins",
            "hist_last_time")

    @staticmethod
    def init(n_skills: int) -> dict[str, np.ndarray]:
        return {
            "hist_attempts": np.zeros(n_skills + 1, dtype=np.int64),
            "hist_wins": np.zeros(n_skills + 1, dtype=np.int64),
            "hist_last": np.zeros((n_skills + 1, 3), dtype=np.float32),
            "hist_last_position": np.zeros(n_skills + 1, dtype=np.int64),
            "hist_position": np.zeros((), dtype=np.int64),
            "hist_total_wins": np.zeros((), dtype=np.int64),
            "hist_last_time": np.full(n_skills + 1, np.nan),
        }

    @staticmethod
    def update(state: dict[str, np.ndarray], skill: int, correct: int, n_skills: int,
               at: float = math.nan) -> dict[str, np.ndarray]:
        """Copies of the history arrays after one answer on dense ``skill`` (-1 unknown) at ``at``
        (seconds, NaN unknown)."""
        slot = n_skills if skill < 0 else skill
        new = {key: HistoryState._array(state, key, n_skills).copy() for key in HistoryState.KEYS}
        new["hist_last"][slot, 1:] = state["hist_last"][slot, :2]
        new["hist_last"][slot, 0] = 1.0 if correct else -1.0
        new["hist_attempts"][slot] += 1
        new["hist_wins"][slot] += int(correct)
        new["hist_last_position"][slot] = state["hist_position"]
        new["hist_position"] = state["hist_position"] + 1
        new["hist_total_wins"] = state["hist_total_wins"] + int(correct)
        new["hist_last_time"][slot] = at
        return new

    @staticmethod
    def _array(state: dict[str, np.ndarray], key: str, n_skills: int) -> np.ndarray:
        if key == "hist_last_time" and key not in state:  # a state stored before times were kept
            return np.full(n_skills + 1, np.nan)
        return state[key]

    @staticmethod
    def features(state: dict[str, np.ndarray], skills: np.ndarray, n_skills: int, at: float = math.nan) -> np.ndarray:
        """Features for answering each of dense ``skills`` next, at ``at`` (seconds, NaN unknown);
        same layout as history_features."""
        slots = np.where(skills < 0, n_skills, skills)
        attempts = state["hist_attempts"][slots]
        position = np.full(len(slots), int(state["hist_position"]))
        gap = np.where(attempts > 0, position - state["hist_last_position"][slots], 0)
        total_wins = np.full(len(slots), int(state["hist_total_wins"]))
        days = _elapsed_days(at, HistoryState._array(state, "hist_last_time", n_skills)[slots])
        return _feature_matrix(attempts, state["hist_wins"][slots], state["hist_last"][slots], gap, position,
                               total_wins, days)
