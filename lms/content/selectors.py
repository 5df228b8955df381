from __future__ import annotations

from django.db.models import Q

from lms.content.models import Course, Module, Skill


def image_urls_for(module: Module) -> dict[str, str]:
    """Package paths of a module's images (``images/x.svg``) mapped to the addresses they are served at."""
    return {f"images/{img.filename}": img.get_absolute_url() for img in module.images.only("id", "filename")}


def course_skills(course: Course) -> list[Skill]:
    """The course's skills: owned by it, or taught or tested by its modules; by name, then slug."""
    return list(
        Skill.objects.filter(Q(courses=course) | Q(modules__course=course)
                             | Q(questions__module_links__module__course=course))
        .distinct().order_by("name", "slug")
    )
