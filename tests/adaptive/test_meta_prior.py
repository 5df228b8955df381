"""The build of the meta-learned prior: tasks from simulated courses, a clear error without the
public sets, and a checkpoint the product loads with no special case."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from adaptive.core.learner_simulator import SimulatorParams
from adaptive.core.learners import ItemInfo, load
from adaptive.core.meta import MetaConfig
from adaptive.meta_prior import MissingData, SimCourse, build, random_course, simulate_answers, simulated_tasks

TINY = MetaConfig(outer_steps=3, inner_steps=2, learners_per_step=8, window=20, support_answers=(0, 50))


def test_it_makes_courses_of_varied_structure() -> None:
    rng = random.Random(0)
    courses = [random_course(f"c{n}", rng) for n in range(20)]
    sizes = {sum(len(m) for m in c.modules) for c in courses}
    assert min(sizes) >= 3 and max(sizes) <= 12 and len(sizes) > 3
    for course in courses:
        skills = [s for m in course.modules for s in m]
        for skill, needs in course.prerequisites.items():
            assert all(skills.index(p) < skills.index(skill) for p in needs)  # a DAG, in course order
        assert all(1 <= q.difficulty <= 5 for q in course.questions.values() if q.difficulty is not None)


def test_it_refuses_to_build_without_the_public_sets_unless_told(tmp_path: Path) -> None:
    with pytest.raises(MissingData, match="--simulated-only"):
        build(tmp_path / "p.pt", data=tmp_path / "nothing", meta=TINY, n_simulated=1)


def test_it_builds_a_loadable_skill_elo_checkpoint_from_simulated_courses(tmp_path: Path) -> None:
    assert len(simulated_tasks(2, seed=1)) == 2
    summary = build(tmp_path / "p.pt", seed=1, simulated_only=True, meta=TINY, n_simulated=2)
    model = load(tmp_path / "p.pt")
    assert model.name == "skill_elo"
    written = json.loads((tmp_path / "p.json").read_text())
    assert written["tasks"] == summary["tasks"] and written["config"]["guess_by_kind"]
    assert not any("demo" in t["name"] for t in written["tasks"])


def test_it_simulates_a_course_whose_skill_ids_were_read_as_numbers() -> None:
    # A package's YAML reads a numeric slug (`skills: [101]`) as an int, while a question may name a
    # skill as a string ("102"): either way it is one skill, as the vocabularies compare ids as strings.
    course = SimCourse(
        "numbers",
        modules=[[101], [102]],  # ints, as YAML hands them over
        prerequisites={102: (101,)},  # ints, as YAML hands them over
        questions={f"q{n}": ItemInfo((101 if n % 2 else "102",), 3.0, "single_choice") for n in range(6)},
    )
    log = simulate_answers(course, SimulatorParams(), n_learners=4, rng=random.Random(0), mixed_share=0.0,
                           answers=(5, 10))
    assert sorted(log.skill_vocab.tokens) == ["101", "102"]
    assert 4 * 5 <= len(log) <= 4 * 10
