"""A course's skills and their prerequisites drawn as a graph (SVG, server-side): each skill in a
column after every skill it needs first, an arrow from the prerequisite to the skill. The table on
the same page says the same in words."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from lms.content.models import Skill

NODE_W, NODE_H, COL_GAP, ROW_GAP, PAD = 170, 36, 56, 14, 8
LABEL_CHARS = 22


def skill_depths(skills: Iterable[Skill]) -> dict[int, int]:
    """Skill id → its column: 0 without prerequisites among ``skills``, else one after the deepest
    prerequisite. Prerequisites form a DAG (cycles are refused when saved); a cycle met anyway ends
    the walk instead of looping."""
    by_id = {s.pk: s for s in skills}
    needs = {s.pk: [p.pk for p in s.prerequisites.all() if p.pk in by_id] for s in by_id.values()}
    depths: dict[int, int] = {}

    def depth(pk: int, seen: frozenset[int]) -> int:
        if pk in depths:
            return depths[pk]
        earlier = [depth(p, seen | {pk}) for p in needs[pk] if p not in seen]
        depths[pk] = 1 + max(earlier) if earlier else 0
        return depths[pk]

    for pk in by_id:
        depth(pk, frozenset())
    return depths


def skill_graph_svg(skills: list[Skill]) -> SafeString:
    """The graph of ``skills`` (prefetched prerequisites); empty when there are none."""
    if not skills:
        return mark_safe("")
    depths = skill_depths(skills)
    columns: dict[int, list[Skill]] = {}
    for skill in sorted(skills, key=lambda s: s.name):
        columns.setdefault(depths[skill.pk], []).append(skill)
    where: dict[int, tuple[float, float]] = {}
    for col, members in columns.items():
        for row, skill in enumerate(members):
            where[skill.pk] = (PAD + col * (NODE_W + COL_GAP), PAD + row * (NODE_H + ROW_GAP))
    width = PAD * 2 + len(columns) * NODE_W + (len(columns) - 1) * COL_GAP
    height = PAD * 2 + max(len(m) for m in columns.values()) * (NODE_H + ROW_GAP) - ROW_GAP
    parts = ['<defs><marker id="skill-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
             'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#55606e"/></marker></defs>']
    for skill in skills:
        x2, y2 = where[skill.pk]
        for prerequisite in skill.prerequisites.all():
            if prerequisite.pk in where:
                x1, y1 = where[prerequisite.pk]
                parts.append(f'<line x1="{x1 + NODE_W:.0f}" y1="{y1 + NODE_H / 2:.0f}" x2="{x2 - 2:.0f}" '
                             f'y2="{y2 + NODE_H / 2:.0f}" stroke="#55606e" stroke-width="1.5" '
                             f'marker-end="url(#skill-arrow)"/>')
    for skill in skills:
        x, y = where[skill.pk]
        label = skill.name if len(skill.name) <= LABEL_CHARS else skill.name[:LABEL_CHARS - 1] + "…"
        parts.append(f'<g><title>{escape(skill.name)}</title><rect x="{x:.0f}" y="{y:.0f}" width="{NODE_W}" '
                     f'height="{NODE_H}" rx="6" fill="#eef5fb" stroke="#1f5f8b"/><text x="{x + NODE_W / 2:.0f}" '
                     f'y="{y + NODE_H / 2 + 5:.0f}" text-anchor="middle" font-size="14" fill="#1b2430">'
                     f'{escape(label)}</text></g>')
    title = _("Skills of this course, each after the skills it needs first")
    return mark_safe(  # noqa: S308 - every value above is escaped or numeric
        f'<svg class="skill-graph" viewBox="0 0 {width} {height}" width="{width}" role="img" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title>{"".join(parts)}</svg>')
