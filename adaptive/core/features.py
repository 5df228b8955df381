"""Per-skill practice history features, computed two ways that must agree.

``history_features`` computes, for every response of a log at once, what the learner had done on
that response's skill *before* it (attempts, successes, the last three outcomes, how long ago);
``HistoryState`` keeps the same counts online for one learner. Tests check the two agree.
"""

from __future__ import annotations

import numpy as np

N_HISTORY_FEATURES = 11


def _feature_matrix(attempts: np.ndarray, wins: np.ndarray, last: np.ndarray, gap: np.ndarray,
                    position: np.ndarray, total_wins: np.ndarray) -> np.ndarray:
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
    return features


def history_counts(learner: np.ndarray, skill: np.ndarray, correct: np.ndarray, n_skills: int
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Vectorised counts before each response: attempts, wins, last outcomes, gap, position, total wins.

    ``skill`` is dense with -1 for unknown; unknown skills share one history slot, as online.
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

    attempts = np.empty(n, dtype=np.int64)
    wins = np.empty(n, dtype=np.int64)
    last = np.empty((n, 3), dtype=np.float32)
    gap = np.empty(n, dtype=np.int64)
    attempts[order] = rank
    wins[order] = wins_sorted
    last[order] = last_sorted
    gap[order] = gap_sorted
    return attempts, wins, last, gap, position, total_wins


def history_features(learner: np.ndarray, skill: np.ndarray, correct: np.ndarray, n_skills: int) -> np.ndarray:
    """(n, N_HISTORY_FEATURES) features of each response's skill history before that response."""
    return _feature_matrix(*history_counts(learner, skill, correct, n_skills))


class HistoryState:
    """Online per-skill history of one learner, stored as arrays inside a learner state dict."""

    KEYS = ("hist_attempts", "hist_wins", "hist_last", "hist_last_position", "hist_position", "hist_total_wins")

    @staticmethod
    def init(n_skills: int) -> dict[str, np.ndarray]:
        return {
            "hist_attempts": np.zeros(n_skills + 1, dtype=np.int64),
            "hist_wins": np.zeros(n_skills + 1, dtype=np.int64),
            "hist_last": np.zeros((n_skills + 1, 3), dtype=np.float32),
            "hist_last_position": np.zeros(n_skills + 1, dtype=np.int64),
            "hist_position": np.zeros((), dtype=np.int64),
            "hist_total_wins": np.zeros((), dtype=np.int64),
        }

    @staticmethod
    def update(state: dict[str, np.ndarray], skill: int, correct: int, n_skills: int) -> dict[str, np.ndarray]:
        """Copies of the history arrays after one answer on dense ``skill`` (-1 unknown)."""
        slot = n_skills if skill < 0 else skill
        new = {key: state[key].copy() for key in HistoryState.KEYS}
        new["hist_last"][slot, 1:] = state["hist_last"][slot, :2]
        new["hist_last"][slot, 0] = 1.0 if correct else -1.0
        new["hist_attempts"][slot] += 1
        new["hist_wins"][slot] += int(correct)
        new["hist_last_position"][slot] = state["hist_position"]
        new["hist_position"] = state["hist_position"] + 1
        new["hist_total_wins"] = state["hist_total_wins"] + int(correct)
        return new

    @staticmethod
    def features(state: dict[str, np.ndarray], skills: np.ndarray, n_skills: int) -> np.ndarray:
        """Features for answering each of dense ``skills`` next (same layout as history_features)."""
        slots = np.where(skills < 0, n_skills, skills)
        attempts = state["hist_attempts"][slots]
        position = np.full(len(slots), int(state["hist_position"]))
        gap = np.where(attempts > 0, position - state["hist_last_position"][slots], 0)
        total_wins = np.full(len(slots), int(state["hist_total_wins"]))
        return _feature_matrix(attempts, state["hist_wins"][slots], state["hist_last"][slots], gap, position, total_wins)
