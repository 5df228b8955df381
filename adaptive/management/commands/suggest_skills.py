from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from adaptive.tagging import fitted_tagger, skill_suggestions_record, untagged_questions
from lms.content.models import Question
from lms.content.skill_tagger import format_suggestions


class Command(BaseCommand):
    help = ("Suggest skills for bank questions from their text (few-shot, from the questions already tagged) "
            "and record them as pending suggestions for an admin to approve. Applies nothing.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("keys", nargs="*", help="question keys (default: every question without a skill)")
        parser.add_argument("--all", dest="all_questions", action="store_true",
                            help="every question, tagged or not (suggests skills they do not have yet)")
        parser.add_argument("--top", type=int, default=3, choices=range(1, 11), metavar="1-10",
                            help="suggestions per question (default 3)")
        parser.add_argument("--min-confidence", type=float, default=0.05,
                            help="leave out suggestions below this confidence (default 0.05)")
        parser.add_argument("--meta", choices=["never", "auto", "always"], default="auto",
                            help="meta-train the embedding when enough skills are tagged, and keep it only if it "
                                 "beats the plain encoder on held-out skills (default auto)")

    def handle(self, *args: Any, keys: list[str], all_questions: bool, top: int, min_confidence: float, meta: str,
               **options: Any) -> None:
        if keys:
            questions = list(Question.objects.filter(key__in=keys).prefetch_related("choices", "skills"))
            missing = sorted(set(keys) - {q.key for q in questions})
            if missing:
                raise CommandError(f"no such question: {', '.join(missing)}")
        elif all_questions:
            questions = list(Question.objects.prefetch_related("choices", "skills"))
        else:
            questions = list(untagged_questions())
        if not questions:
            self.stdout.write("No questions to tag.")
            return
        tagger = fitted_tagger(meta=meta)
        if tagger is None:
            raise CommandError("tag questions of at least two skills first: there is nothing to learn from")
        found = skill_suggestions_record(questions=questions, source="suggest_skills", top_n=top,
                                         min_confidence=min_confidence, meta=meta)
        summary = tagger.summary()
        meta_note = summary["calibration"].get("meta", {})
        self.stdout.write(f"Tagger: {summary['skills']} skills from {summary['tagged']} tagged questions, "
                          f"temperature {summary['temperature']:.3f}, meta-trained: {summary['meta_trained']}"
                          + (f" (held-out top-1 {meta_note['meta_trained_top1']:.2f} against "
                             f"{meta_note['untrained_top1']:.2f} untrained)" if meta_note.get("tried") else ""))
        if options.get("verbosity", 1) >= 2:
            self.stdout.write(json.dumps(summary["calibration"], indent=2, default=str))
        with_suggestions = {key: found_for for key, found_for in found.items() if found_for}
        self.stdout.write(f"Suggestions recorded for {len(with_suggestions)} of {len(found)} "
                          f"question{'s' if len(found) != 1 else ''}, waiting for approval in the admin "
                          "(Skill suggestions):")
        for line in format_suggestions(with_suggestions):
            self.stdout.write(f"  {line}")
        if len(with_suggestions) < len(found):
            self.stdout.write(f"{len(found) - len(with_suggestions)} got no suggestion at or above "
                              f"{min_confidence:.0%} (besides the skills they have).")
