"""Events of learning that other apps may follow without the learning services knowing them.

Each is sent inside the transaction that stores the event, so a receiver that writes rows (the
xAPI outbox) commits or rolls back with it.
"""

from django.dispatch import Signal

# A new answer was stored (never sent for a repeated submission). Arguments: response.
response_recorded = Signal()

# A quiz attempt was closed, once. Arguments: attempt, score (mean score of its answers), answered
# (how many), and module_completed: True when this attempt completed its module for the first time.
quiz_attempt_finished = Signal()
