"""The one hook into learning: when a learner's progress in a course is saved, the platforms'
grade columns for that course are brought up to date (after commit, by a task). And the tool's
signing key is made when the first platform is registered, so that the key set platforms fetch is
a read."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from lms.learning.models import Enrollment, ModuleCompletion
from lms.lti.models import Platform
from lms.lti.selectors import grade_link_ids_for
from lms.lti.tool import tool_key_current
from lms.queueing import publish_on_commit


@receiver(post_save, sender=Enrollment, dispatch_uid="lti-grades-enrollment")
def _enrollment_saved(sender: Any, instance: Enrollment, **kwargs: Any) -> None:
    _queue_grades(user_id=instance.user_id, course_id=instance.course_id)


@receiver(post_save, sender=ModuleCompletion, dispatch_uid="lti-grades-completion")
def _completion_saved(sender: Any, instance: ModuleCompletion, **kwargs: Any) -> None:
    _queue_grades(user_id=instance.user_id, course_id=instance.module.course_id)


@receiver(post_save, sender=Platform, dispatch_uid="lti-tool-key-for-platform")
def _platform_saved(sender: Any, instance: Platform, created: bool, **kwargs: Any) -> None:
    if created:
        tool_key_current()


def _queue_grades(*, user_id: int, course_id: int) -> None:
    for link_id in grade_link_ids_for(user_id=user_id, course_id=course_id):
        # By name: the tasks call the services, which would make importing them here a cycle.
        publish_on_commit("lms.lti.tasks.send_grade", link_id)
