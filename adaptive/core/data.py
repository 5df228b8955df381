"""Response logs: the one data structure every learner model trains and evaluates on.

A :class:`ResponseLog` is a flat, column-oriented table of responses sorted by learner and, within
a learner, by time. Items and skills are stored as dense indices ``0..n-1``; the vocabularies that
map them back to the product's raw ids travel with the log and, after training, with the model.

A question may be tagged with several skills. ``skill`` holds each response's first (main) skill,
and the others are kept aside as ``(row, skill)`` pairs (``extra_row``, ``extra_skill``), empty in
the common single-skill case so nothing there costs more. :meth:`ResponseLog.expand_skills` turns
them into rows every model can trace: the answer, once per further skill, right after the response.
"""

from __future__ import annotations

import csv
import hashlib
import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np

RawId = int | str


class DataFormatError(ValueError):
    """Raised when an input file does not follow the expected format; names the line."""


@dataclass
class Vocabulary:
    """Maps raw ids (ints or strings, compared as strings) to dense indices and back."""

    tokens: list[str] = field(default_factory=list)
    _index: dict[str, int] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._index = {token: i for i, token in enumerate(self.tokens)}

    def __len__(self) -> int:
        return len(self.tokens)

    def add(self, raw: RawId) -> int:
        """Return the index of ``raw``, adding it if it is new."""
        token = str(raw)
        index = self._index.get(token)
        if index is None:
            index = len(self.tokens)
            self.tokens.append(token)
            self._index[token] = index
        return index

    def index(self, raw: RawId) -> int:
        """Dense index of ``raw``, or -1 when the id was never seen."""
        return self._index.get(str(raw), -1)

    def encode(self, raws: Iterable[RawId]) -> np.ndarray:
        """Dense indices of ``raws`` as int64, -1 for unknown ids."""
        return np.fromiter((self._index.get(str(r), -1) for r in raws), dtype=np.int64)

    def decode(self, indices: Iterable[int]) -> list[str]:
        """Raw ids (as strings) of dense ``indices``."""
        return [self.tokens[int(i)] for i in indices]


@dataclass
class ResponseLog:
    """All responses of a set of learners, sorted by learner then time.

    ``item`` and ``skill`` are dense indices into ``item_vocab`` and ``skill_vocab``; for data sets
    that only have skill ids the item is the skill. ``timestamp`` is NaN when unknown.

    ``skill`` is a response's main skill; ``extra_row`` and ``extra_skill`` list the further skills of
    multi-skill questions as pairs (row, dense skill), sorted by row and in the author's order.
    ``evidence_only`` is set only on logs made by :meth:`expand_skills`: True on the rows that carry
    an answer to a further skill of its question, which are traced but never predicted or scored.
    """

    learner: np.ndarray
    item: np.ndarray
    skill: np.ndarray
    correct: np.ndarray
    timestamp: np.ndarray
    item_vocab: Vocabulary
    skill_vocab: Vocabulary
    learner_vocab: Vocabulary
    extra_row: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    extra_skill: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    evidence_only: np.ndarray | None = None

    def __post_init__(self) -> None:
        self.learner = np.asarray(self.learner, dtype=np.int64)
        self.item = np.asarray(self.item, dtype=np.int64)
        self.skill = np.asarray(self.skill, dtype=np.int64)
        self.correct = np.asarray(self.correct, dtype=np.int8)
        self.timestamp = np.asarray(self.timestamp, dtype=np.float64)
        self.extra_row = np.asarray(self.extra_row, dtype=np.int64)
        self.extra_skill = np.asarray(self.extra_skill, dtype=np.int64)
        n = len(self.learner)
        for name in ("item", "skill", "correct", "timestamp"):
            if len(getattr(self, name)) != n:
                raise ValueError(f"column {name!r} has {len(getattr(self, name))} rows, expected {n}")
        if n and np.any(np.diff(self.learner) < 0):
            raise ValueError("responses must be grouped by learner in increasing learner index")
        if len(self.extra_row) != len(self.extra_skill):
            raise ValueError("extra_row and extra_skill must have the same length")
        if len(self.extra_row) and (np.any(np.diff(self.extra_row) < 0) or self.extra_row[0] < 0 or self.extra_row[-1] >= n):
            raise ValueError("extra_row must be sorted row numbers of this log")
        if self.evidence_only is not None:
            self.evidence_only = np.asarray(self.evidence_only, dtype=bool)
            if len(self.evidence_only) != n:
                raise ValueError(f"column 'evidence_only' has {len(self.evidence_only)} rows, expected {n}")

    @property
    def has_extra_skills(self) -> bool:
        """Whether some response's question has more than one skill."""
        return len(self.extra_row) > 0

    @property
    def scored(self) -> np.ndarray:
        """Rows that are responses to predict (all but the evidence-only rows of an expanded log)."""
        return np.ones(len(self), dtype=bool) if self.evidence_only is None else ~self.evidence_only

    def skills_of(self, row: int) -> list[int]:
        """Every dense skill of response ``row``, the main one first."""
        start, stop = np.searchsorted(self.extra_row, [row, row + 1])
        return [int(self.skill[row]), *(int(k) for k in self.extra_skill[start:stop])]

    def expand_skills(self) -> tuple[ResponseLog, np.ndarray]:
        """This log with every answer traced on every skill of its question, and where its rows went.

        A response whose question has skills ``[a, b, c]`` becomes three consecutive rows of the same
        learner, item, outcome and time: the response on ``a`` (scored) and two ``evidence_only``
        rows on ``b`` and ``c``. Replaying the rows with ``update`` gives exactly the online path
        (``LearnerModel.update`` with the question's :class:`ItemInfo` applies the answer once per
        skill, in order), and the prediction of the response is made on its first row, before any of
        its evidence. Returns ``(expanded, scored_rows)``: ``expanded[scored_rows[i]]`` is response
        ``i``. Without further skills the log itself comes back, so the single-skill case costs
        nothing.
        """
        n = len(self)
        if not self.has_extra_skills:
            return self, np.arange(n, dtype=np.int64)
        extra_counts = np.bincount(self.extra_row, minlength=n)
        sizes = 1 + extra_counts
        source = np.repeat(np.arange(n, dtype=np.int64), sizes)
        scored_rows = np.r_[0, np.cumsum(sizes)[:-1]].astype(np.int64)
        skill = self.skill[source].copy()
        evidence_only = np.ones(len(source), dtype=bool)
        evidence_only[scored_rows] = False
        # Extra skills are sorted by row, so they fill the evidence rows in order.
        skill[evidence_only] = self.extra_skill
        if self.evidence_only is not None:
            evidence_only |= self.evidence_only[source]
        expanded = ResponseLog(
            learner=self.learner[source], item=self.item[source], skill=skill, correct=self.correct[source],
            timestamp=self.timestamp[source], item_vocab=self.item_vocab, skill_vocab=self.skill_vocab,
            learner_vocab=self.learner_vocab, evidence_only=evidence_only,
        )
        return expanded, scored_rows

    @property
    def n_items(self) -> int:
        return len(self.item_vocab)

    @property
    def n_skills(self) -> int:
        return len(self.skill_vocab)

    @property
    def n_learners(self) -> int:
        return len(np.unique(self.learner))

    def __len__(self) -> int:
        return len(self.learner)

    def learner_bounds(self) -> np.ndarray:
        """Start offsets of each learner's responses plus the end, shape (n_learners + 1,)."""
        if len(self.learner) == 0:
            return np.zeros(1, dtype=np.int64)
        starts = np.flatnonzero(np.r_[True, self.learner[1:] != self.learner[:-1]])
        bounds: np.ndarray = np.r_[starts, len(self.learner)].astype(np.int64)
        return bounds

    def sequences(self) -> Iterator[slice]:
        """One slice per learner, in learner order; responses inside are in time order."""
        bounds = self.learner_bounds()
        for start, end in pairwise(bounds):
            yield slice(int(start), int(end))

    def positions(self) -> np.ndarray:
        """0-based position of each response within its learner's sequence."""
        bounds = self.learner_bounds()
        lengths = np.diff(bounds)
        positions: np.ndarray = np.arange(len(self.learner)) - np.repeat(bounds[:-1], lengths)
        return positions

    def subset_learners(self, learner_indices: Sequence[int] | np.ndarray) -> ResponseLog:
        """The responses of the given learners (dense learner indices); vocabularies are shared."""
        mask = np.isin(self.learner, np.asarray(learner_indices, dtype=np.int64))
        new_row = np.cumsum(mask) - 1
        keep_extra = mask[self.extra_row] if self.has_extra_skills else np.zeros(0, dtype=bool)
        return ResponseLog(
            learner=self.learner[mask],
            item=self.item[mask],
            skill=self.skill[mask],
            correct=self.correct[mask],
            timestamp=self.timestamp[mask],
            item_vocab=self.item_vocab,
            skill_vocab=self.skill_vocab,
            learner_vocab=self.learner_vocab,
            extra_row=new_row[self.extra_row[keep_extra]],
            extra_skill=self.extra_skill[keep_extra],
            evidence_only=None if self.evidence_only is None else self.evidence_only[mask],
        )

    def raw_items(self) -> list[str]:
        return self.item_vocab.decode(self.item)

    def raw_skills(self) -> list[str]:
        return self.skill_vocab.decode(self.skill)

    @classmethod
    def from_records(cls, records: Iterable[Sequence[Any]]) -> ResponseLog:
        """Build a log from ``(learner, item, skills_or_skill, correct, timestamp)`` records.

        ``skills_or_skill`` is one skill id or a sequence of them (the question's skills, the main one
        first); every one of them receives the answer's evidence (see :meth:`expand_skills`). A
        ``None`` skill or an empty sequence means the item is its own skill. ``timestamp`` may be ``None`` (unknown), a
        number, or anything with a ``timestamp()`` method such as ``datetime``. Responses are sorted
        by learner (first appearance) and then by timestamp, keeping input order for ties and for
        unknown times, so records may arrive in any order as long as each learner's untimed
        responses are in the order they were made.
        """
        learner_vocab, item_vocab, skill_vocab = Vocabulary(), Vocabulary(), Vocabulary()
        learners: list[int] = []
        items: list[int] = []
        skills: list[int] = []
        corrects: list[int] = []
        times: list[float] = []
        extra_rows: list[int] = []
        extra_skills: list[int] = []
        for number, record in enumerate(records, start=1):
            if len(record) not in (4, 5):
                raise DataFormatError(f"record {number}: expected 4 or 5 fields, got {len(record)}")
            learner, item, skill, correct = record[:4]
            timestamp = record[4] if len(record) == 5 else None
            others: list[str] = []
            if isinstance(skill, (list, tuple)):
                listed = [s for s in skill if s is not None]
                skill = listed[0] if listed else None
                others = [s for s in dict.fromkeys(str(s) for s in listed[1:]) if s != str(skill)]
            if skill is None:
                skill = item
            learners.append(learner_vocab.add(learner))
            items.append(item_vocab.add(item))
            skills.append(skill_vocab.add(skill))
            for other in others:
                extra_rows.append(number - 1)
                extra_skills.append(skill_vocab.add(other))
            corrects.append(_parse_correct(correct, f"record {number}"))
            times.append(_parse_timestamp(timestamp, f"record {number}"))
        learner_arr = np.asarray(learners, dtype=np.int64)
        time_arr = np.asarray(times, dtype=np.float64)
        # NaN sorts last under lexsort; with a stable sort untimed responses keep input order.
        time_key = np.where(np.isnan(time_arr), np.inf, time_arr)
        order = np.lexsort((np.arange(len(learner_arr)), time_key, learner_arr))
        extra_row = np.zeros(0, dtype=np.int64)
        extra_skill = np.zeros(0, dtype=np.int64)
        if extra_rows:
            position = np.empty(len(order), dtype=np.int64)
            position[order] = np.arange(len(order))
            moved = position[np.asarray(extra_rows, dtype=np.int64)]
            by_row = np.argsort(moved, kind="stable")  # keeps the author's order within a row
            extra_row, extra_skill = moved[by_row], np.asarray(extra_skills, dtype=np.int64)[by_row]
        return cls(
            learner=learner_arr[order],
            item=np.asarray(items, dtype=np.int64)[order],
            skill=np.asarray(skills, dtype=np.int64)[order],
            correct=np.asarray(corrects, dtype=np.int8)[order],
            timestamp=time_arr[order],
            item_vocab=item_vocab,
            skill_vocab=skill_vocab,
            learner_vocab=learner_vocab,
            extra_row=extra_row,
            extra_skill=extra_skill,
        )


def _parse_correct(value: Any, where: str) -> int:
    if isinstance(value, bool):
        return int(value)
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise DataFormatError(f"{where}: correct must be 0 or 1, got {value!r}") from None
    if number not in (0.0, 1.0):
        raise DataFormatError(f"{where}: correct must be 0 or 1, got {value!r}")
    return int(number)


def _parse_timestamp(value: Any, where: str) -> float:
    if value is None or value == "":
        return math.nan
    if hasattr(value, "timestamp"):
        return float(value.timestamp())
    try:
        return float(value)
    except (TypeError, ValueError):
        raise DataFormatError(f"{where}: timestamp must be a number, got {value!r}") from None


def _split_ints(line: str, path: Path, line_number: int) -> list[int]:
    fields = [f.strip() for f in line.strip().split(",")]
    if fields and fields[-1] == "":
        fields.pop()  # the published files end many lines with a trailing comma
    try:
        return [int(f) for f in fields]
    except ValueError:
        raise DataFormatError(f"{path}:{line_number}: expected comma-separated integers, got {line.strip()[:80]!r}") from None


def read_three_line(path: str | Path) -> ResponseLog:
    """Read the "three lines per learner" format used by the DKT and DKVMN papers.

    Each learner is a line with the number of responses, a line of item (or skill) ids and a line of
    0/1 outcomes; lines may end with a trailing comma. The ids are both item and skill, and are kept
    as raw ids, so whether a file starts at 0 or 1 does not matter. Blank lines are ignored.
    """
    path = Path(path)
    with path.open(encoding="utf-8") as handle:
        lines = [(number, line) for number, line in enumerate(handle, start=1) if line.strip()]
    if len(lines) % 3:
        raise DataFormatError(f"{path}: {len(lines)} non-blank lines, expected a multiple of 3 (count, ids, outcomes)")
    records: list[tuple[int, int, int, int, None]] = []
    for block in range(0, len(lines), 3):
        (count_line_no, count_line), (ids_line_no, ids_line), (out_line_no, out_line) = lines[block : block + 3]
        counts = _split_ints(count_line, path, count_line_no)
        if len(counts) != 1 or counts[0] < 0:
            raise DataFormatError(f"{path}:{count_line_no}: expected one response count, got {count_line.strip()[:80]!r}")
        ids = _split_ints(ids_line, path, ids_line_no)
        outcomes = _split_ints(out_line, path, out_line_no)
        if len(ids) != counts[0]:
            raise DataFormatError(f"{path}:{ids_line_no}: {len(ids)} ids but line {count_line_no} says {counts[0]}")
        if len(outcomes) != counts[0]:
            raise DataFormatError(f"{path}:{out_line_no}: {len(outcomes)} outcomes but line {count_line_no} says {counts[0]}")
        if any(o not in (0, 1) for o in outcomes):
            raise DataFormatError(f"{path}:{out_line_no}: outcomes must be 0 or 1")
        learner = block // 3
        records.extend((learner, i, i, o, None) for i, o in zip(ids, outcomes))
    return _from_ordered_records(records)


def _from_ordered_records(records: list[tuple[Any, Any, Any, int, Any]]) -> ResponseLog:
    """Faster path for readers whose records are already grouped by learner in time order."""
    return ResponseLog.from_records(records)


CSV_COLUMNS = ("learner", "item", "skill", "correct")


def read_csv(path: str | Path) -> ResponseLog:
    """Read one response per row with a header ``learner,item,skill,correct[,timestamp]``.

    An empty ``skill`` means the item is its own skill; a question of several skills lists them all in
    the cell separated by ``;`` (the main one first), and each receives the answer's evidence. An
    empty ``timestamp`` means unknown. Rows of one learner without timestamps must be in the order
    they were made.
    """
    path = Path(path)
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        try:
            header = [h.strip().lower() for h in next(reader)]
        except StopIteration:
            raise DataFormatError(f"{path}:1: empty file, expected a header {','.join(CSV_COLUMNS)}[,timestamp]") from None
        missing = [c for c in CSV_COLUMNS if c not in header]
        if missing:
            raise DataFormatError(f"{path}:1: header lacks column(s) {', '.join(missing)}; got {','.join(header)}")
        columns = {name: header.index(name) for name in (*CSV_COLUMNS, "timestamp") if name in header}
        records: list[tuple[str, str, str | tuple[str, ...] | None, int, float]] = []
        for row in reader:
            line_number = reader.line_num
            if not row or all(not cell.strip() for cell in row):
                continue
            if len(row) < len(header):
                raise DataFormatError(f"{path}:{line_number}: {len(row)} fields, expected {len(header)}")
            learner, item = row[columns["learner"]].strip(), row[columns["item"]].strip()
            if not learner or not item:
                raise DataFormatError(f"{path}:{line_number}: learner and item must not be empty")
            cell = row[columns["skill"]].strip()
            listed = tuple(part.strip() for part in cell.split(";") if part.strip())
            skill: str | tuple[str, ...] | None = (listed[0] if len(listed) == 1 else listed) if listed else None
            where = f"{path}:{line_number}"
            correct = _parse_correct(row[columns["correct"]].strip(), where)
            timestamp = _parse_timestamp(row[columns["timestamp"]].strip(), where) if "timestamp" in columns else math.nan
            records.append((learner, item, skill, correct, timestamp))
    return ResponseLog.from_records(records)


def read_log(path: str | Path) -> ResponseLog:
    """Read a CSV with a header (see :func:`read_csv`) or a three-line file, by looking at line 1."""
    path = Path(path)
    with path.open(encoding="utf-8") as handle:
        first = handle.readline()
    if "learner" in first.lower():
        return read_csv(path)
    return read_three_line(path)


def split_learners(log: ResponseLog, fraction: float, seed: int = 0) -> tuple[ResponseLog, ResponseLog]:
    """Split into (kept, held_out) logs, holding out ``fraction`` of WHOLE learners at random."""
    if not 0.0 < fraction < 1.0:
        raise ValueError(f"fraction must be in (0, 1), got {fraction}")
    learners = np.unique(log.learner)
    rng = np.random.default_rng(seed)
    n_held = max(1, round(fraction * len(learners)))
    if n_held >= len(learners):
        raise ValueError("need at least two learners to hold some out")
    held = np.sort(rng.permutation(learners)[:n_held])
    kept = np.setdiff1d(learners, held)
    return log.subset_learners(kept), log.subset_learners(held)


def split_learners_stably(log: ResponseLog, fraction: float, salt: str = "holdout") -> tuple[ResponseLog, ResponseLog]:
    """Split into (kept, held_out) by a hash of each learner's raw id: a learner lands on the same side
    however the log grows, so learners held out once are never trained on later (and a comparison
    between two trainings sees the same held-out learners). ``salt`` names the split."""
    if not 0.0 < fraction < 1.0:
        raise ValueError(f"fraction must be in (0, 1), got {fraction}")
    learners = np.unique(log.learner)
    tokens = log.learner_vocab.decode(learners)
    draws = np.array([int.from_bytes(hashlib.sha256(f"{salt}:{t}".encode()).digest()[:8], "big") / 2**64
                      for t in tokens])
    if len(learners) < 2:
        raise ValueError("need at least two learners to hold some out")
    held_mask = draws < fraction
    if not held_mask.any() or held_mask.all():
        # Few learners: the hash put them all on one side; keep the order the hash gives, so the
        # learners with the lowest draws are held out (still stable while they are this few).
        n_held = min(len(learners) - 1, max(1, round(fraction * len(learners))))
        held_mask = np.zeros(len(learners), dtype=bool)
        held_mask[np.argsort(draws, kind="stable")[:n_held]] = True
    return log.subset_learners(learners[~held_mask]), log.subset_learners(learners[held_mask])


def group_index_matrix(keys: np.ndarray, max_length: int | None = None) -> np.ndarray:
    """Row per distinct key, listing the positions of that key's responses in order; -1 pads.

    Used to run time-major loops vectorised over learners (or learner-skill pairs). With
    ``max_length`` each row keeps only its first ``max_length`` responses.
    """
    n = len(keys)
    if n == 0:
        return np.zeros((0, 0), dtype=np.int64)
    order = np.lexsort((np.arange(n), keys))
    sorted_keys = keys[order]
    starts = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
    lengths = np.diff(np.r_[starts, n])
    row = np.repeat(np.arange(len(starts)), lengths)
    rank = np.arange(n) - np.repeat(starts, lengths)
    width = int(lengths.max()) if max_length is None else min(int(lengths.max()), max_length)
    matrix = np.full((len(starts), width), -1, dtype=np.int64)
    keep = rank < width
    matrix[row[keep], rank[keep]] = order[keep]
    return matrix
