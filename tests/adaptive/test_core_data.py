"""Readers, response logs, learner splits and history features of the learner-model core."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from adaptive.core.data import DataFormatError, ResponseLog, read_csv, read_log, read_three_line, split_learners
from adaptive.core.features import HistoryState, history_features
from adaptive.core.simulate import simulate_learners


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_it_reads_three_line_files_with_trailing_commas_and_blank_lines(tmp_path: Path) -> None:
    path = write(tmp_path, "a.csv", "3\n1,7,1,\n0,1,1,\n\n2\n7,9\n1,0\n")
    log = read_three_line(path)
    assert len(log) == 5
    assert log.n_learners == 2
    assert log.raw_items() == ["1", "7", "1", "7", "9"]
    assert log.item.tolist() == log.skill.tolist()
    assert log.correct.tolist() == [0, 1, 1, 1, 0]
    assert np.isnan(log.timestamp).all()
    assert log.positions().tolist() == [0, 1, 2, 0, 1]


def test_it_keeps_raw_ids_whether_they_start_at_0_or_1(tmp_path: Path) -> None:
    log = read_three_line(write(tmp_path, "zero.csv", "2\n0,3\n1,1\n"))
    assert log.item_vocab.tokens == ["0", "3"]
    assert log.item_vocab.index(3) == 1
    assert log.item_vocab.index(42) == -1


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("3\n1,2\n0,1\n", ":2: 2 ids but line 1 says 3"),
        ("2\n1,2\n0,1,1\n", ":3: 3 outcomes"),
        ("2\n1,x\n0,1\n", ":2: expected comma-separated integers"),
        ("2\n1,2\n0,2\n", ":3: outcomes must be 0 or 1"),
        ("2\n1,2\n", "expected a multiple of 3"),
        ("a\n1\n1\n", ":1: expected comma-separated integers"),
    ],
)
def test_it_reports_bad_three_line_input_with_the_line(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(DataFormatError, match=message):
        read_three_line(write(tmp_path, "bad.csv", text))


def test_it_reads_csv_sorting_each_learner_by_time(tmp_path: Path) -> None:
    path = write(tmp_path, "r.csv", "learner,item,skill,correct,timestamp\nann,q2,s1,1,20\nbob,q1,,0,\nann,q1,s1,0,10\n")
    log = read_csv(path)
    assert log.learner_vocab.tokens == ["ann", "bob"]
    assert log.raw_items() == ["q1", "q2", "q1"]
    assert log.raw_skills() == ["s1", "s1", "q1"]  # an empty skill makes the item its own skill
    assert log.correct.tolist() == [0, 1, 0]
    assert read_log(path).raw_items() == log.raw_items()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("learner,item,correct\n1,2,1\n", ":1: header lacks column\\(s\\) skill"),
        ("learner,item,skill,correct\n1,2,3,1\n1,2,3,yes\n", ":3: correct must be 0 or 1"),
        ("learner,item,skill,correct\n1,2,3\n", ":2: 3 fields, expected 4"),
        ("learner,item,skill,correct,timestamp\n1,2,3,1,noon\n", ":2: timestamp must be a number"),
        ("learner,item,skill,correct\n,2,3,1\n", ":2: learner and item must not be empty"),
        ("", ":1: empty file"),
    ],
)
def test_it_reports_bad_csv_input_with_the_line(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(DataFormatError, match=message):
        read_csv(write(tmp_path, "bad.csv", text))


def test_it_builds_a_log_from_records_with_several_skills_and_datetimes() -> None:
    day = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    log = ResponseLog.from_records([
        (7, 100, [3, 4], True, day + dt.timedelta(minutes=5)),
        (7, 101, 3, False, day),
        (8, 100, None, 1, None),
    ])
    assert log.raw_items() == ["101", "100", "100"]
    assert log.raw_skills() == ["3", "3", "100"]  # primary skill first; None means the item itself
    assert log.correct.tolist() == [0, 1, 1]
    assert log.n_items == 2 and log.n_skills == 3  # skill 4 carries the evidence too
    assert log.skill_vocab.decode(log.skills_of(1)) == ["3", "4"]


def test_split_holds_out_whole_learners_and_is_repeatable() -> None:
    log = simulate_learners(n_learners=50, seed=1).log
    kept, held = split_learners(log, 0.2, seed=3)
    assert held.n_learners == 10 and kept.n_learners == 40
    assert not set(kept.learner.tolist()) & set(held.learner.tolist())
    assert len(kept) + len(held) == len(log)
    again, _ = split_learners(log, 0.2, seed=3)
    assert np.array_equal(again.learner, kept.learner)
    for seq in held.sequences():
        assert np.all(np.diff(held.timestamp[seq]) > 0)  # still in time order


def test_history_features_agree_with_the_online_state() -> None:
    rng = np.random.default_rng(0)
    learner = np.sort(rng.integers(0, 6, 400))
    skill = rng.integers(-1, 7, 400)
    correct = rng.integers(0, 2, 400)
    batch = history_features(learner, skill, correct, n_skills=7)
    online = []
    for who in np.unique(learner):
        state = HistoryState.init(7)
        for t in np.flatnonzero(learner == who):
            online.append(HistoryState.features(state, skill[t : t + 1], 7)[0])
            state = HistoryState.update(state, int(skill[t]), int(correct[t]), 7)
    np.testing.assert_allclose(np.array(online), batch)


def test_history_features_count_the_days_since_the_skill_was_last_practised() -> None:
    rng = np.random.default_rng(1)
    learner = np.sort(rng.integers(0, 5, 300))
    skill = rng.integers(-1, 6, 300)
    correct = rng.integers(0, 2, 300)
    timestamp = np.cumsum(rng.exponential(3 * 86400, 300))
    timestamp[rng.random(300) < 0.1] = np.nan  # some times unknown
    batch = history_features(learner, skill, correct, n_skills=6, timestamp=timestamp)
    online = []
    for who in np.unique(learner):
        state = HistoryState.init(6)
        for t in np.flatnonzero(learner == who):
            online.append(HistoryState.features(state, skill[t : t + 1], 6, timestamp[t])[0])
            state = HistoryState.update(state, int(skill[t]), int(correct[t]), 6, timestamp[t])
    np.testing.assert_allclose(np.array(online), batch, rtol=1e-6)

    # One learner, skill 0 at day 0 and day 2, skill 1 at day 2.5 with no earlier time known.
    days = history_features(np.zeros(4, dtype=np.int64), np.array([0, 0, 1, 1]), np.ones(4, dtype=np.int64), 2,
                            np.array([0.0, 2 * 86400, np.nan, 2.5 * 86400]))[:, -1]
    np.testing.assert_allclose(days, [0.0, np.log1p(2.0), 0.0, 0.0], rtol=1e-6)
    # A state stored before times were kept reads as no time passed.
    old = {k: v for k, v in HistoryState.update(HistoryState.init(2), 0, 1, 2, 0.0).items() if k != "hist_last_time"}
    assert HistoryState.features(old, np.array([0]), 2, 5 * 86400.0)[0, -1] == 0.0
