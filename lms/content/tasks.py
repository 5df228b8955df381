"""Background work on the content: the skills suggested for questions from their text.

Fitting the tagger and ranking skills takes longer than a page should wait, so a question's
suggestions are worked out here after it is saved or imported, and pages only read what is stored.
"""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from lms.content.services import skill_suggestions_work_out


# retry_backoff is a whole number of seconds to Celery: waits of about 1, 2, 4 s.
@shared_task(bind=True, autoretry_for=(OperationalError,), retry_backoff=1, max_retries=3,
             time_limit=300, soft_time_limit=270, acks_late=True)
def suggest_skills(self: object, question_ids: list[int], source: str) -> int:
    """Store the skills suggested for the questions ``question_ids`` (the default queue).

    Running it twice changes nothing: a question whose suggestions match its text is left alone.
    Only a database that is briefly unavailable is retried; a broken tagger fails the task, and the
    next save of the question asks again.
    """
    return skill_suggestions_work_out(question_ids=question_ids, source=source)
