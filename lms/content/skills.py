"""The prerequisite graph of skills must stay a DAG."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.core.exceptions import ValidationError
from django.db import transaction

from lms.content.models import Skill


def find_cycle(edges: Mapping[str, Iterable[str]]) -> list[str] | None:
    """Return one cycle as a path ``[a, b, ..., a]`` in a graph ``skill -> prerequisites``, or None."""
    WHITE, GREY, BLACK = 0, 1, 2
    colour: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        colour[node] = GREY
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            state = colour.get(nxt, WHITE)
            if state == GREY:
                return [*stack[stack.index(nxt):], nxt]
            if state == WHITE:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        colour[node] = BLACK
        return None

    for start in sorted(edges):
        if colour.get(start, WHITE) == WHITE:
            found = visit(start)
            if found:
                return found
    return None


def cycle_message(cycle: list[str]) -> str:
    return "prerequisite cycle: " + " -> ".join(cycle)


def prerequisite_edges() -> dict[str, set[str]]:
    edges: dict[str, set[str]] = {slug: set() for slug in Skill.objects.values_list("slug", flat=True)}
    through = Skill.prerequisites.through.objects.values_list("from_skill__slug", "to_skill__slug")
    for skill, prereq in through:
        edges[skill].add(prereq)
    return edges


@transaction.atomic
def skill_set_prerequisites(*, skill: Skill, prerequisites: Iterable[Skill]) -> None:
    """Replace a skill's prerequisites, refusing any change that would make a cycle."""
    prereqs = list(prerequisites)
    edges = prerequisite_edges()
    edges[skill.slug] = {p.slug for p in prereqs}
    cycle = find_cycle(edges)
    if cycle:
        raise ValidationError({"prerequisites": cycle_message(cycle)})
    skill.prerequisites.set(prereqs)
