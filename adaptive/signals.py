"""Events of the adaptive layer that other apps may follow.

Sent inside the transaction that stores the learner's state, so a receiver's rows commit with it.
"""

from django.dispatch import Signal

# A learner's mastery was refreshed after new answers. Arguments: user_id, response_id (the latest
# answer applied), before and after (skill slug → predicted success), and courses: course id →
# (course, the course's skill slugs), for the courses whose skills were refreshed.
mastery_changed = Signal()

# A decision was stored (not sent when one for the same answer and kind was there already). Arguments:
# decision. The product's metrics count it (lms.ops.metrics).
decision_stored = Signal()
