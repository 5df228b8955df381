"""Few-shot skill tagging: suggest a question's skills from its text, learned from the questions
already tagged (a prototypical network). No Django: numpy, scikit-learn, and torch for the
optional meta-training only (imported lazily).

Each skill's prototype is the mean embedding of its tagged questions; a new question gets the
skills whose prototypes are nearest, with a confidence from a softmax over negative squared
distances whose temperature is fitted on held-out questions (leave-one-out on the bank).

Typical use::

    from adaptive.core.tagging import TaggedText, build_tagger

    bank = [TaggedText("What is the median of 1, 3, 9?", ("averages",)), ...]
    tagger = build_tagger(bank, extra_texts=untagged_texts)
    tagger.suggest(["How far apart are the smallest and largest values?"], top_n=3)

The text encoder is pluggable (``TextEncoder``): the default, ``LsaEncoder`` (TF-IDF and LSA fitted
on the bank's own text), downloads nothing. ``SentenceTransformerEncoder`` is an option for a
locally installed sentence-embedding model.
"""

from __future__ import annotations

import math
import random
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

import numpy as np
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer

# Used when the bank cannot hold a question out (no skill with two tagged questions); the value
# the leave-one-out fit gives on the demo bank (see docs/skill-tagging.md).
DEFAULT_TEMPERATURE = 0.03
# Temperatures are searched in [MIN_TEMPERATURE, 10]: on a bank where every held-out question is
# right, the likelihood keeps growing as T -> 0, which would claim certainty from a handful of questions.
MIN_TEMPERATURE = 0.01
# The fitted log-temperature is shrunk towards the default's as if the default had been fitted on
# this many questions, so that a small bank cannot move it far.
PRIOR_QUESTIONS = 10
MIN_META_SKILLS = 6  # skills with at least MIN_META_QUESTIONS questions needed to meta-train
MIN_META_QUESTIONS = 4


@dataclass(frozen=True)
class TaggedText:
    """A question as the tagger sees it: its text and its skills (slugs); no skills = untagged."""

    text: str
    skills: tuple[str, ...] = ()


@dataclass(frozen=True)
class Suggestion:
    skill: str
    confidence: float
    distance: float


def question_text(stem: str, choices: Sequence[str] = (), explanation: str = "") -> str:
    """The text a question is tagged from: stem, choices and explanation."""
    return "\n".join([stem, *choices, explanation]).strip()


# --- Encoders --------------------------------------------------------------------------------------


class TextEncoder(Protocol):
    """Turns texts into vectors. ``fit`` sees the bank's texts (never its tags)."""

    def fit(self, texts: Sequence[str]) -> TextEncoder: ...

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


def _normalise(x: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    unit: np.ndarray = x / np.maximum(norms, 1e-12)
    return unit


@dataclass
class LsaEncoder:
    """TF-IDF over words and word pairs, reduced by truncated SVD (latent semantic analysis), then
    L2-normalised. Fitted on the bank's text, so it needs no download and no network.

    Words start with a letter (the numbers of a question say little about its skill) and common
    English words are left out (``stop_words=None`` keeps them, e.g. for a bank in another language):
    on the demo bank that adds 3 to 5 points of top-1 accuracy at k = 1, 3 and 5.
    """

    n_components: int = 100
    ngram_range: tuple[int, int] = (1, 2)
    stop_words: str | None = "english"
    seed: int = 0
    _vectorizer: Any = field(default=None, repr=False)
    _svd: Any = field(default=None, repr=False)

    def fit(self, texts: Sequence[str]) -> LsaEncoder:

        self._vectorizer = TfidfVectorizer(ngram_range=self.ngram_range, sublinear_tf=True, strip_accents="unicode",
                                           token_pattern=r"(?u)\b[^\W\d]\w*\b", stop_words=self.stop_words)
        matrix = self._vectorizer.fit_transform(list(texts))
        components = min(self.n_components, matrix.shape[0] - 1, matrix.shape[1] - 1)
        self._svd = TruncatedSVD(n_components=components, random_state=self.seed) if components >= 2 else None
        if self._svd is not None:
            self._svd.fit(matrix)
        return self

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if self._vectorizer is None:
            raise RuntimeError("fit the encoder first")
        matrix = self._vectorizer.transform(list(texts))
        dense = self._svd.transform(matrix) if self._svd is not None else matrix.toarray()
        return _normalise(np.asarray(dense, dtype=np.float64))


@dataclass
class SentenceTransformerEncoder:
    """A sentence-embedding model installed locally (for example the files of all-MiniLM-L6-v2).
    Needs the ``sentence-transformers`` package, which Pathwise does not install. It loads from
    ``model`` (a folder, or a name already in the local cache) and never from the network."""

    model: str = "all-MiniLM-L6-v2"
    device: str = "cpu"
    _model: Any = field(default=None, repr=False)

    def fit(self, texts: Sequence[str]) -> SentenceTransformerEncoder:
        if self._model is None:
            from sentence_transformers import SentenceTransformer  # optional dependency

            self._model = SentenceTransformer(self.model, device=self.device, local_files_only=True)
        return self

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.fit(texts)
        return _normalise(np.asarray(self._model.encode(list(texts)), dtype=np.float64))


# --- The projection learned by meta-training ----------------------------------------------------


@dataclass
class Projection:
    """``x * exp(g) + W2 relu(W1 x + b1) + b2``, then L2-normalised: a learned weight per base
    dimension plus a residual MLP (absent when the hidden size is 0). Stored as numpy arrays so that
    suggesting needs no torch."""

    log_weights: np.ndarray
    w1: np.ndarray
    b1: np.ndarray
    w2: np.ndarray
    b2: np.ndarray

    def __call__(self, x: np.ndarray) -> np.ndarray:
        hidden = np.maximum(x @ self.w1.T + self.b1, 0.0)
        return _normalise(x * np.exp(self.log_weights) + hidden @ self.w2.T + self.b2)


@dataclass(frozen=True)
class MetaConfig:
    """Episodic training: N-way, k-shot episodes over skills, with the prototypical loss."""

    n_way: int = 5
    k_shot: int = 2
    n_query: int = 2
    episodes: int = 300
    hidden: int = 64
    lr: float = 3e-3
    weight_decay: float = 1e-3
    seed: int = 0


def _skill_members(labels: Sequence[tuple[str, ...]]) -> dict[str, list[int]]:
    members: dict[str, list[int]] = defaultdict(list)
    for i, skills in enumerate(labels):
        for skill in skills:
            members[skill].append(i)
    return dict(members)


def meta_train(embeddings: np.ndarray, labels: Sequence[tuple[str, ...]], config: MetaConfig = MetaConfig()
               ) -> Projection | None:
    """Train a projection of ``embeddings`` with prototypical-network episodes over the skills in
    ``labels``. Returns None when too few skills have enough questions for an episode."""
    import torch
    from torch import nn

    members = {s: idx for s, idx in _skill_members(labels).items() if len(idx) >= config.k_shot + 1}
    skills = sorted(members)
    n_way = min(config.n_way, len(skills))
    if n_way < 2:
        return None
    rng = random.Random(config.seed)
    torch.manual_seed(config.seed)
    dim = embeddings.shape[1]
    first, second = nn.Linear(dim, config.hidden), nn.Linear(config.hidden, dim)
    # Starts as the identity: the untrained encoder is where training begins.
    nn.init.zeros_(second.weight)
    nn.init.zeros_(second.bias)
    log_weights = nn.Parameter(torch.zeros(dim))
    log_scale = nn.Parameter(torch.tensor(math.log(1 / DEFAULT_TEMPERATURE)))
    params = [log_weights, *first.parameters(), *second.parameters(), log_scale]
    optimiser = torch.optim.AdamW(params, lr=config.lr, weight_decay=config.weight_decay)
    x_all = torch.tensor(embeddings, dtype=torch.float32)

    def project(x: torch.Tensor) -> torch.Tensor:
        return nn.functional.normalize(x * log_weights.exp() + second(torch.relu(first(x))), dim=1)

    for _episode in range(config.episodes):
        chosen = rng.sample(skills, n_way)
        chosen_set = set(chosen)
        support, query, query_labels = [], [], []
        for way, skill in enumerate(chosen):
            # A question tagged with two of the episode's skills would be right for both: leave it out.
            pool = [i for i in members[skill] if len(chosen_set.intersection(labels[i])) == 1]
            if len(pool) < config.k_shot + 1:
                break
            picked = rng.sample(pool, min(len(pool), config.k_shot + config.n_query))
            support.append(picked[:config.k_shot])
            query.extend(picked[config.k_shot:])
            query_labels.extend([way] * len(picked[config.k_shot:]))
        else:
            projected = project(x_all)
            prototypes = nn.functional.normalize(torch.stack([projected[idx].mean(dim=0) for idx in support]), dim=1)
            distances = torch.cdist(projected[query], prototypes) ** 2
            loss = nn.functional.cross_entropy(-distances * log_scale.exp(), torch.tensor(query_labels))
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
    with torch.no_grad():
        return Projection(log_weights.numpy().astype(np.float64).copy(), first.weight.numpy().astype(np.float64).copy(), first.bias.numpy().astype(np.float64).copy(),
                          second.weight.numpy().astype(np.float64).copy(),
                          second.bias.numpy().astype(np.float64).copy())


# --- The tagger ----------------------------------------------------------------------------------


def _softmax_rows(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    probabilities: np.ndarray = exp / exp.sum(axis=1, keepdims=True)
    return probabilities


def prototypes_of(x: np.ndarray, members: dict[str, list[int]], skills: Sequence[str]) -> np.ndarray:
    """Each skill's prototype: the mean embedding of its questions, scaled to unit length like the
    embeddings. Without the scaling, a skill with more (nearly orthogonal) questions would have a
    shorter mean and sit closer to every question."""
    return _normalise(np.stack([x[members[s]].mean(axis=0) for s in skills]))


def _squared_distances(x: np.ndarray, prototypes: np.ndarray) -> np.ndarray:
    distances: np.ndarray = np.maximum(((x[:, None, :] - prototypes[None, :, :]) ** 2).sum(axis=2), 0.0)
    return distances


def _nll(distances: np.ndarray, truth: np.ndarray, temperature: float) -> float:
    probabilities = _softmax_rows(-distances / temperature)
    return float(-np.log(np.maximum((probabilities * truth).sum(axis=1), 1e-12)).mean())


def fit_temperature(distances: np.ndarray, truth: np.ndarray) -> float:
    """The temperature T minimising the negative log-likelihood of the true skills under
    softmax(-d²/T): a grid over log T, refined by golden-section search. ``truth`` is a 0/1 matrix
    (a question may have several right skills; their probabilities add up)."""
    grid = np.exp(np.linspace(math.log(MIN_TEMPERATURE), math.log(10.0), 41))
    losses = [_nll(distances, truth, t) for t in grid]
    best = int(np.argmin(losses))
    lo, hi = math.log(grid[max(best - 1, 0)]), math.log(grid[min(best + 1, len(grid) - 1)])
    ratio = (math.sqrt(5) - 1) / 2
    for _ in range(30):
        a, b = hi - ratio * (hi - lo), lo + ratio * (hi - lo)
        if _nll(distances, truth, math.exp(a)) < _nll(distances, truth, math.exp(b)):
            hi = b
        else:
            lo = a
    return math.exp((lo + hi) / 2)


def calibration_report(confidence: np.ndarray, correct: np.ndarray, bins: int = 10) -> dict[str, float]:
    """Expected calibration error (top-1 confidence against top-1 correctness, equal-width bins),
    Brier score of the top-1 confidence, mean confidence and accuracy."""
    confidence = np.asarray(confidence, dtype=np.float64)
    correct = np.asarray(correct, dtype=np.float64)
    if len(confidence) == 0:
        return {"n": 0, "ece": float("nan"), "brier": float("nan"), "confidence": float("nan"),
                "accuracy": float("nan")}
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1]), 0, bins - 1)
    ece = sum(abs(confidence[which == b].mean() - correct[which == b].mean()) * (which == b).mean()
              for b in range(bins) if (which == b).any())
    return {"n": len(confidence), "ece": float(ece), "brier": float(((confidence - correct) ** 2).mean()),
            "confidence": float(confidence.mean()), "accuracy": float(correct.mean())}


@dataclass
class PrototypeTagger:
    """Suggests skills for texts from the prototypes of tagged questions."""

    encoder: TextEncoder
    projection: Projection | None = None
    temperature: float = DEFAULT_TEMPERATURE
    skills: list[str] = field(default_factory=list)
    prototypes: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    support_counts: dict[str, int] = field(default_factory=dict)
    calibration: dict[str, Any] = field(default_factory=dict)
    tagged_questions: int = 0

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        x = self.encoder.encode(texts)
        return self.projection(x) if self.projection is not None else x

    def fit(self, bank: Sequence[TaggedText], *, fit_encoder: bool = True, extra_texts: Sequence[str] = (),
            calibrate: bool = True) -> PrototypeTagger:
        """Prototypes from the tagged questions of ``bank``; the encoder is fitted on all texts
        (tagged, untagged and ``extra_texts``), then the temperature on held-out questions."""
        if fit_encoder:
            self.encoder.fit([item.text for item in bank] + list(extra_texts))
        tagged = [item for item in bank if item.skills]
        if not tagged:
            raise ValueError("the bank has no tagged questions to learn from")
        x = self.embed([item.text for item in tagged])
        members = _skill_members([item.skills for item in tagged])
        self.skills = sorted(members)
        self.prototypes = prototypes_of(x, members, self.skills)
        self.support_counts = {s: len(members[s]) for s in self.skills}
        self.tagged_questions = len(tagged)
        if calibrate:
            self._fit_temperature(x, tagged, members)
        return self

    def _fit_temperature(self, x: np.ndarray, tagged: Sequence[TaggedText], members: dict[str, list[int]]) -> None:
        """Leave-one-out: each question whose skills keep at least one other question is held out in
        turn (its skills' prototypes recomputed without it), and the temperature is fitted on those."""
        index = {s: j for j, s in enumerate(self.skills)}
        sums = np.stack([x[members[s]].sum(axis=0) for s in self.skills])  # the mean's direction
        counts = np.array([len(members[s]) for s in self.skills], dtype=np.float64)
        rows, truths = [], []
        for i, item in enumerate(tagged):
            own = [index[s] for s in item.skills]
            if any(counts[j] < 2 for j in own):
                continue
            prototypes = self.prototypes.copy()
            for j in own:
                prototypes[j] = _normalise((sums[j] - x[i])[None, :])[0]
            rows.append(_squared_distances(x[i:i + 1], prototypes)[0])
            truth = np.zeros(len(self.skills))
            truth[own] = 1.0
            truths.append(truth)
        if len(rows) < 2 or len(self.skills) < 2:
            self.temperature = DEFAULT_TEMPERATURE
            self.calibration = {"held_out": len(rows), "temperature": self.temperature, "fitted": False}
            return
        distances, truth = np.stack(rows), np.stack(truths)
        before = _softmax_rows(-distances / DEFAULT_TEMPERATURE)
        fitted = fit_temperature(distances, truth)
        n = len(rows)
        self.temperature = math.exp((n * math.log(fitted) + PRIOR_QUESTIONS * math.log(DEFAULT_TEMPERATURE))
                                    / (n + PRIOR_QUESTIONS))
        after = _softmax_rows(-distances / self.temperature)
        top = after.argmax(axis=1)
        correct = truth[np.arange(len(top)), top]
        self.calibration = {
            "held_out": len(rows), "temperature": self.temperature, "fitted": True, "maximum_likelihood": fitted,
            "nll_before": _nll(distances, truth, DEFAULT_TEMPERATURE), "nll_after": _nll(distances, truth, self.temperature),
            "before": calibration_report(before.max(axis=1), truth[np.arange(len(top)), before.argmax(axis=1)]),
            "after": calibration_report(after.max(axis=1), correct),
        }

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        """Rows: texts; columns: ``self.skills``; each row sums to 1."""
        if not self.skills:
            raise RuntimeError("fit the tagger first")
        distances = _squared_distances(self.embed(texts), self.prototypes)
        return _softmax_rows(-distances / self.temperature)

    def suggest(self, texts: Sequence[str], *, top_n: int = 3, min_confidence: float = 0.0) -> list[list[Suggestion]]:
        """For each text, up to ``top_n`` skills, most likely first, with their confidence."""
        if not texts:
            return []
        x = self.embed(texts)
        distances = _squared_distances(x, self.prototypes)
        probabilities = _softmax_rows(-distances / self.temperature)
        result = []
        for row, dist in zip(probabilities, distances, strict=True):
            order = np.argsort(dist, kind="stable")[:top_n]
            result.append([Suggestion(self.skills[j], float(row[j]), float(dist[j]))
                           for j in order if row[j] >= min_confidence])
        return result

    def summary(self) -> dict[str, Any]:
        return {"skills": len(self.skills), "tagged": self.tagged_questions,
                "temperature": self.temperature, "meta_trained": self.projection is not None,
                "calibration": self.calibration}


# --- Few-shot evaluation ------------------------------------------------------------------------


@dataclass(frozen=True)
class FewShotSplit:
    support: list[int]
    query: list[int]
    skills: list[str]


def few_shot_split(labels: Sequence[tuple[str, ...]], k: int, seed: int,
                   skills: Sequence[str] | None = None) -> FewShotSplit:
    """Hold out whole questions: k tagged questions per skill are the support, every other question
    of those skills is a query. Skills with fewer than k + 1 questions are left out at this k."""
    rng = random.Random(seed)
    members = _skill_members(labels)
    allowed = set(skills) if skills is not None else set(members)
    eligible = sorted(s for s in allowed if len(members.get(s, ())) >= k + 1)
    rng.shuffle(eligible)
    used: set[int] = set()
    support: list[int] = []
    kept: list[str] = []
    for skill in eligible:
        pool = [i for i in members[skill] if i not in used]
        if len(pool) < k + 1:
            continue
        picked = rng.sample(pool, k)
        used.update(picked)
        support.extend(picked)
        kept.append(skill)
    kept_set = set(kept)
    query = [i for i, skills_i in enumerate(labels) if i not in used and kept_set.intersection(skills_i)]
    return FewShotSplit(support=support, query=query, skills=sorted(kept))


@dataclass
class FewShotScores:
    top1: list[float] = field(default_factory=list)
    top3: list[float] = field(default_factory=list)
    confidence: list[float] = field(default_factory=list)

    def add(self, ranked: Sequence[str], truth: set[str], confidence: float | None = None) -> None:
        self.top1.append(float(bool(ranked[:1]) and ranked[0] in truth))
        self.top3.append(float(bool(truth.intersection(ranked[:3]))))
        if confidence is not None:
            self.confidence.append(confidence)

    def result(self) -> dict[str, Any]:
        out: dict[str, Any] = {"n": len(self.top1), "top1": float(np.mean(self.top1)) if self.top1 else float("nan"),
                               "top3": float(np.mean(self.top3)) if self.top3 else float("nan")}
        if self.confidence:
            out["calibration"] = calibration_report(np.array(self.confidence), np.array(self.top1))
        return out


def evaluate_few_shot(embeddings: np.ndarray, labels: Sequence[tuple[str, ...]], *, k: int, seeds: Sequence[int],
                      skills: Sequence[str] | None = None, prior: Counter[str] | None = None) -> dict[str, Any]:
    """Top-1 and top-3 accuracy of the prototype tagger, a nearest-neighbour and a majority-skill
    baseline, with k tagged questions per skill and the other questions held out.

    The majority baseline gives every question the same answer: the skills that tag the most
    questions of the whole bank (``prior``, or the counts in ``labels``), a generous baseline since
    those counts include the held-out questions. The prototype tagger's temperature is
    fitted on the support set alone (leave-one-out; k = 1 uses ``DEFAULT_TEMPERATURE``).
    """
    scores = {"prototype": FewShotScores(), "nearest_neighbour": FewShotScores(), "majority": FewShotScores()}
    counts = prior if prior is not None else Counter(s for skills_i in labels for s in skills_i)
    for seed in seeds:
        split = few_shot_split(labels, k, seed, skills)
        if len(split.skills) < 2 or not split.query:
            continue
        allowed = set(split.skills)
        support_labels = [tuple(s for s in labels[i] if s in allowed) for i in split.support]
        members = _skill_members(support_labels)
        x_support = embeddings[split.support]
        prototypes = prototypes_of(x_support, members, split.skills)
        tagger = PrototypeTagger(encoder=_Frozen(), skills=list(split.skills), prototypes=prototypes)
        tagger._fit_temperature(x_support, [TaggedText("", s) for s in support_labels], members)
        x_query = embeddings[split.query]
        query_distances = _squared_distances(x_query, prototypes)
        probabilities = _softmax_rows(-query_distances / tagger.temperature)
        nn_distances = _squared_distances(x_query, x_support)
        for row, (qi, probs) in enumerate(zip(split.query, probabilities, strict=True)):
            truth = set(labels[qi]) & allowed
            order = np.argsort(query_distances[row], kind="stable")
            scores["prototype"].add([split.skills[j] for j in order], truth, float(probs[order[0]]))
            ranked_nn: list[str] = []
            for j in np.argsort(nn_distances[row], kind="stable"):
                for s in support_labels[j]:
                    if s not in ranked_nn:
                        ranked_nn.append(s)
            scores["nearest_neighbour"].add(ranked_nn, truth)
            ranked_majority = sorted(split.skills, key=lambda s: (-counts[s], s))
            scores["majority"].add(ranked_majority, truth)
    return {name: s.result() for name, s in scores.items()}


@dataclass
class _Frozen:
    """An encoder for vectors computed already (evaluation works on embeddings)."""

    def fit(self, texts: Sequence[str]) -> _Frozen:
        return self

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        raise RuntimeError("this tagger works on precomputed embeddings")


def skill_folds(labels: Sequence[tuple[str, ...]], n_folds: int, seed: int = 0,
                min_questions: int = MIN_META_QUESTIONS) -> list[list[str]]:
    """Skills with enough questions, dealt into ``n_folds`` groups held out in turn."""
    members = _skill_members(labels)
    skills = sorted(s for s, idx in members.items() if len(idx) >= min_questions)
    random.Random(seed).shuffle(skills)
    return [sorted(skills[f::n_folds]) for f in range(n_folds)]


def meta_train_comparison(embeddings: np.ndarray, labels: Sequence[tuple[str, ...]], *, ks: Sequence[int],
                          seeds: Sequence[int], n_folds: int = 3, config: MetaConfig = MetaConfig()
                          ) -> dict[str, Any]:
    """Untrained against meta-trained embeddings on held-out skills: the skills are dealt into
    folds; for each fold, the projection is meta-trained on the questions of the other folds' skills
    only and both embeddings are evaluated k-shot on the fold's skills."""
    folds = skill_folds(labels, n_folds, seed=config.seed)
    results: dict[str, dict[int, list[dict[str, Any]]]] = {"untrained": defaultdict(list),
                                                          "meta_trained": defaultdict(list)}
    trained_folds = 0
    for f, held_out in enumerate(folds):
        if len(held_out) < 2:
            continue
        held = set(held_out)
        # Questions of a held-out skill never reach training, not even through a second skill.
        train_idx = [i for i, skills_i in enumerate(labels) if skills_i and not held.intersection(skills_i)]
        projection = meta_train(embeddings[train_idx], [labels[i] for i in train_idx],
                                MetaConfig(**{**asdict(config), "seed": config.seed + f}))
        if projection is None:
            continue
        trained_folds += 1
        projected = projection(embeddings)
        for k in ks:
            results["untrained"][k].append(evaluate_few_shot(embeddings, labels, k=k, seeds=seeds, skills=held_out))
            results["meta_trained"][k].append(evaluate_few_shot(projected, labels, k=k, seeds=seeds, skills=held_out))
    out: dict[str, Any] = {"folds": [list(f) for f in folds], "trained_folds": trained_folds}
    for name, by_k in results.items():
        out[name] = {k: _pool([r["prototype"] for r in runs]) for k, runs in by_k.items()}
    return out


def _pool(runs: Sequence[dict[str, Any]]) -> dict[str, Any]:
    n = sum(r["n"] for r in runs)
    if not n:
        return {"n": 0, "top1": float("nan"), "top3": float("nan")}
    return {"n": n, "top1": sum(r["top1"] * r["n"] for r in runs if r["n"]) / n,
            "top3": sum(r["top3"] * r["n"] for r in runs if r["n"]) / n}


# --- Building the tagger for a bank -------------------------------------------------------------


def default_encoder() -> LsaEncoder:
    return LsaEncoder()


def can_meta_train(labels: Sequence[tuple[str, ...]]) -> bool:
    members = _skill_members(labels)
    return sum(len(idx) >= MIN_META_QUESTIONS for idx in members.values()) >= MIN_META_SKILLS


def build_tagger(bank: Sequence[TaggedText], *, encoder_factory: Callable[[], TextEncoder] = default_encoder,
                 extra_texts: Sequence[str] = (), meta: str = "auto", config: MetaConfig = MetaConfig(),
                 selection_seeds: Sequence[int] = (0, 1, 2)) -> PrototypeTagger:
    """A fitted tagger for ``bank``.

    ``meta``: ``"never"`` keeps the base encoder; ``"auto"`` meta-trains a projection when enough
    skills have enough tagged questions and keeps it only if it beats the base encoder on held-out
    skills (k = 1 and 3, top-1 accuracy, pooled over skill folds); ``"always"`` keeps it regardless.
    The decision and both scores are in ``tagger.calibration["meta"]``.
    """
    encoder = encoder_factory()
    tagger = PrototypeTagger(encoder=encoder)
    encoder.fit([item.text for item in bank] + list(extra_texts))
    decision: dict[str, Any] = {"tried": False, "kept": False}
    tagged = [item for item in bank if item.skills]
    labels = [item.skills for item in tagged]
    if meta != "never" and tagged and can_meta_train(labels):
        base = encoder.encode([item.text for item in tagged])
        comparison = meta_train_comparison(base, labels, ks=(1, 3), seeds=selection_seeds, config=config)
        untrained = float(np.nanmean([comparison["untrained"][k]["top1"] for k in comparison["untrained"]] or [np.nan]))
        trained = float(np.nanmean([comparison["meta_trained"][k]["top1"] for k in comparison["meta_trained"]]
                                   or [np.nan]))
        keep = meta == "always" or (comparison["trained_folds"] > 0 and trained > untrained)
        decision = {"tried": True, "kept": bool(keep), "untrained_top1": untrained, "meta_trained_top1": trained}
        if keep:
            tagger.projection = meta_train(base, labels, config)
            decision["kept"] = tagger.projection is not None
    tagger.fit(bank, fit_encoder=False)
    tagger.calibration["meta"] = decision
    return tagger
