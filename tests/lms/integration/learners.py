"""Learners answering quizzes over real HTTP, as a browser (the quiz pages, htmx requests included)
and as an API client (a token, ``quiz-attempts/`` and ``responses/``) do, counting what the server
answered. Used by the outage and fault tests.

Like a person in front of a browser, a learner whose request is refused (the server restarting) or
answered with a server error sends the same request again, the same answer with the same
``submission_id`` included, until it goes through; every 5xx is counted on the way.
"""

from __future__ import annotations

import random
import re
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import requests
from django.conf import settings
from django.test import Client
from knox.models import AuthToken

from lms.content.models import Course, Module, Question
from lms.learning.simulation import simulated_answer
from tests.lms.next_step import follow_next_step

#: How long a learner keeps pressing again before the test gives up on the server.
GIVE_UP_AFTER_S = 90.0


@dataclass
class Tally:
    """What the learners saw, per phase of the test (``phase`` is set by the test as it goes)."""

    phase: str = "before"
    answers: Counter[str] = field(default_factory=Counter)
    server_errors: Counter[str] = field(default_factory=Counter)
    refused: Counter[str] = field(default_factory=Counter)
    errors_seen: list[str] = field(default_factory=list)
    acknowledged: dict[str, int] = field(default_factory=dict)  # submission id -> user id
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answered(self, submission_id: str, user_id: int) -> None:
        with self.lock:
            self.answers[self.phase] += 1
            self.acknowledged[submission_id] = user_id

    def server_error(self, what: str) -> None:
        with self.lock:
            self.server_errors[self.phase] += 1
            self.errors_seen.append(f"{self.phase}: {what}")

    def refusal(self) -> None:
        with self.lock:
            self.refused[self.phase] += 1


def answer_key(course: Course) -> dict[int, Any]:
    """An answer (right or wrong at random) for each question of the course, by question id, worked
    out before the learners start so that their threads never touch the database."""
    rng = random.Random(7)
    questions = Question.objects.filter(modules__course=course).distinct().prefetch_related("choices")
    return {q.pk: simulated_answer(q, rng.random() < 0.6, rng) for q in questions}


def _form_value(answer: Any) -> Any:
    if isinstance(answer, bool):
        return "true" if answer else "false"
    if isinstance(answer, list):
        return [str(a) for a in answer]
    return str(answer)


class Learner:
    def __init__(self, base_url: str, user: Any, module: Module, answers: dict[int, Any], tally: Tally) -> None:
        self.base_url = base_url.rstrip("/")
        self.user = user
        self.user_id = user.pk
        self.module = module
        self.course_slug = module.course.slug
        self.answers = answers
        self.keys = {q.key: q.pk for q in Question.objects.filter(pk__in=answers)}
        self.tally = tally
        self.http = requests.Session()

    def request(self, method: str, path: str, expect: tuple[int, ...] = (200,), **kwargs: Any) -> requests.Response:
        deadline = time.monotonic() + GIVE_UP_AFTER_S
        while True:
            try:
                reply = self.http.request(method, self.base_url + path, timeout=30, **kwargs)
            except requests.ConnectionError:
                self.tally.refusal()
                reply = None
            if reply is not None and reply.status_code < 500:
                if reply.status_code not in expect:
                    raise AssertionError(f"{method} {path} answered {reply.status_code}: {reply.text[:500]}")
                return reply
            if reply is not None:
                self.tally.server_error(f"{method} {path} {reply.status_code}")
            if time.monotonic() > deadline:
                raise AssertionError(f"{method} {path} failed for {GIVE_UP_AFTER_S:.0f}s")
            time.sleep(0.2)

    def answer_one(self) -> None:
        raise NotImplementedError


class PageLearner(Learner):
    """Signed in with a session cookie; answers with the quiz pages' htmx requests."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        client = Client()
        client.force_login(self.user)
        for name, morsel in client.cookies.items():
            self.http.cookies.set(name, morsel.value)
        self.attempt_path: str | None = None

    def _csrf(self) -> dict[str, str]:
        return {"X-CSRFToken": self.http.cookies.get("csrftoken", "")}

    def _start(self) -> None:
        module_path = f"/courses/{self.course_slug}/{self.module.slug}/"
        self.request("GET", module_path)  # sets the CSRF cookie, as opening the module does
        reply = self.request("POST", module_path + "quiz/", headers=self._csrf(), allow_redirects=False,
                             expect=(302,))
        self.attempt_path = reply.headers["Location"]

    def answer_one(self) -> None:
        if self.attempt_path is None:
            self._start()
        assert self.attempt_path is not None
        page = self.request("GET", self.attempt_path, allow_redirects=False, expect=(200, 302))
        if page.status_code == 302:  # the quiz is over: its summary; start the quiz again
            self.request("GET", page.headers["Location"])
            self.attempt_path = None
            return
        question_id = int(re.search(r"/questions/(\d+)/answer/", page.text).group(1))  # type: ignore[union-attr]
        submission_id = str(uuid.uuid4())
        data = {"submission_id": submission_id, "answer": _form_value(self.answers[question_id])}
        feedback = self.request("POST", f"{self.attempt_path}questions/{question_id}/answer/", data=data,
                                headers={**self._csrf(), "HX-Request": "true"})
        self.tally.answered(submission_id, self.user_id)
        assert "next-step" in feedback.text, f"the feedback names no next step: {feedback.text[:500]}"
        htmx = {"HX-Request": "true"}
        follow_next_step(lambda path: self.request("GET", path, headers=htmx).text,
                         lambda path, data: self.request("POST", path, data=data, headers={**self._csrf(), **htmx}).text,
                         feedback.text, timeout_s=GIVE_UP_AFTER_S)


class ApiLearner(Learner):
    """Signed in with an API token; answers with ``quiz-attempts/`` and ``responses/``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _, token = AuthToken.objects.create(user=self.user)
        self.http.headers["Authorization"] = f"Token {token}"
        self.attempt: dict[str, Any] | None = None

    def answer_one(self) -> None:
        if self.attempt is None or self.attempt["current_question"] is None:
            self.attempt = self.request("POST", "/api/v1/quiz-attempts/", json={"module": self.module.pk},
                                        expect=(200, 201)).json()
            if self.attempt["current_question"] is None:
                return
        attempt = self.attempt
        question_id = self.keys[attempt["current_question"]["key"]]
        submission_id = str(uuid.uuid4())
        self.request("POST", "/api/v1/responses/", expect=(200, 201), json={
            "submission_id": submission_id, "question": attempt["current_question"]["key"],
            "module": self.module.pk, "answer": self.answers[question_id], "quiz_attempt": attempt["id"],
        })
        self.tally.answered(submission_id, self.user_id)
        # While the next question is being decided, read again; past the deadline, ask the web to decide.
        path, asked = f"/api/v1/quiz-attempts/{attempt['id']}/", time.monotonic()
        self.attempt = self.request("GET", path).json()
        while self.attempt["deciding"]:
            if time.monotonic() - asked >= settings.PATHWISE_DECISION_DEADLINE_S:
                self.attempt = self.request("POST", path).json()
                break
            time.sleep(0.1)
            self.attempt = self.request("GET", path).json()


def keep_answering(learners: list[Learner], stop: threading.Event, failures: list[BaseException]) -> list[threading.Thread]:
    """One thread per learner, answering until ``stop`` is set; an assertion a thread meets is kept
    in ``failures`` (and stops that learner)."""

    def run(learner: Learner) -> None:
        try:
            while not stop.is_set():
                learner.answer_one()
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            failures.append(exc)

    threads = [threading.Thread(target=run, args=(learner,), daemon=True) for learner in learners]
    for thread in threads:
        thread.start()
    return threads
