"""Course packages, GIFT files and QTI items uploaded in the admin: kept aside between the preview and the import.

An upload is first imported inside a transaction that is rolled back, which gives the preview (what
would be created, changed or refused, and the skills suggested for the questions); the same file is
imported for real only when the admin confirms, in one transaction, so it is all or nothing.
"""

from __future__ import annotations

import re
import secrets
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from lms.content.gift import question_bank_import_gift
from lms.content.importing import BankImportReport, ImportInvalid
from lms.content.models import Question
from lms.content.packages.writing import KINDS, PackageReport, course_package_import
from lms.content.qti import question_bank_import_qti
from lms.content.skill_tagger import skill_tagger

MAX_PACKAGE_BYTES = 100 * 1024 * 1024
MAX_GIFT_BYTES = 5 * 1024 * 1024
MAX_QTI_BYTES = 100 * 1024 * 1024  # a content package zip of many items
STASH_SECONDS = 24 * 3600
_TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{32}$")

Report = TypeVar("Report", PackageReport, BankImportReport)


class UploadRefused(Exception):
    """The upload cannot be imported; nothing was written. ``errors`` says why, one line each."""

    def __init__(self, errors: Iterable[str]) -> None:
        self.errors = list(errors)
        super().__init__("\n".join(self.errors))


# --- Keeping the file between the preview and the import ------------------------------------------


def _stash_dir() -> Path:
    folder = Path(tempfile.gettempdir()) / "pathwise-uploads"
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder


def upload_stash(*, upload: UploadedFile, max_bytes: int) -> str:
    """Keep an uploaded file aside, under its own name, and return its token. Uploads older than a day
    are removed."""
    if upload.size is not None and upload.size > max_bytes:
        raise UploadRefused([f"{upload.name}: the file is larger than {max_bytes // (1024 * 1024)} MiB"])
    folder = _stash_dir()
    cutoff = time.time() - STASH_SECONDS
    for old in folder.iterdir():
        try:
            if old.stat().st_mtime < cutoff:
                shutil.rmtree(old)
        except OSError:
            pass  # another process removed it first
    token = secrets.token_urlsafe(24)
    name = re.sub(r"[^A-Za-z0-9._-]", "_", Path(upload.name or "").name)[-100:].lstrip(".") or "upload"
    (folder / token).mkdir(mode=0o700)
    with open(folder / token / name, "xb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    return token


def stashed_path(token: str) -> Path | None:
    """The stashed file of ``token``, or None if there is none (imported already, or expired)."""
    if not _TOKEN_RE.match(token):
        return None
    files = [p for p in (_stash_dir() / token).glob("*") if p.is_file()] if (_stash_dir() / token).is_dir() else []
    return files[0] if len(files) == 1 else None


def upload_discard(token: str) -> None:
    if _TOKEN_RE.match(token):
        shutil.rmtree(_stash_dir() / token, ignore_errors=True)


# --- Preview --------------------------------------------------------------------------------------


@dataclass
class SuggestedSkills:
    key: str
    skills: list[str]
    suggested: list[str]  # "skill (83%)", best first


@dataclass
class UploadPreview:
    headline: str
    sections: list[tuple[str, list[str]]] = field(default_factory=list)
    suggested: list[SuggestedSkills] = field(default_factory=list)


def _suggested(keys: list[str]) -> list[SuggestedSkills]:
    questions = list(Question.objects.filter(key__in=keys).prefetch_related("skills", "choices"))
    tagger = skill_tagger()
    found = tagger.suggest(questions)
    # The same threshold as the suggestions recorded for approval: below it, a suggestion is noise.
    return [SuggestedSkills(q.key, sorted(s.slug for s in q.skills.all()),
                            [f"{s.skill} ({s.confidence:.0%})" for s in found[q.pk]
                             if s.confidence >= tagger.min_confidence])
            for q in questions]


def _gift_options(options: dict[str, Any]) -> dict[str, Any]:
    return {"skill_slug": options.get("skill") or None, "key_prefix": options.get("prefix") or "gift",
            "difficulty": options.get("difficulty"), "suggest_skills": bool(options.get("suggest_skills")),
            "titles_are_keys": bool(options.get("titles_are_keys"))}


def _bank_preview(report: BankImportReport) -> UploadPreview:
    """The preview of a GIFT or QTI import, with the skills suggested for each question it would write."""
    preview = UploadPreview(f"{len(report.imported)} new, {len(report.updated)} changed and {len(report.unchanged)} "
                            f"unchanged questions; {len(report.unsupported)} refused.")
    for heading, items in (("Would be created", report.imported), ("Would be changed", report.updated),
                           ("Unchanged", report.unchanged), ("Refused (not supported)", report.unsupported)):
        preview.sections.append((heading, [str(item) for item in items]))
    preview.sections.append(("Skills that would be created", list(report.skills_created)))
    preview.sections.append(("Warnings", list(report.warnings)))
    preview.suggested = _suggested([item.key for item in report.imported + report.updated + report.unchanged])
    return preview


def _package_preview(report: PackageReport) -> UploadPreview:
    preview = UploadPreview({"created": f"Course '{report.course}' would be created.",
                             "updated": f"Course '{report.course}' would be updated.",
                             "unchanged": f"Course '{report.course}' is up to date: nothing would change."}
                            [report.outcome])
    counts = [f"{kind}: {report.created[kind]} created, {report.updated[kind]} changed, "
              f"{report.unchanged[kind]} unchanged, {report.removed[kind]} removed" for kind in KINDS]
    preview.sections.append(("In numbers", counts))
    for outcome, heading in (("created", "Would be created"), ("updated", "Would be changed"),
                             ("removed", "Would be removed")):
        preview.sections.append((heading, [f"{kind.rstrip('s')} {name}" for kind, name in report.names[outcome]]))
    preview.sections.append(("Warnings", list(report.warnings)))
    preview.suggested = _suggested([name for outcome in ("created", "updated", "unchanged")
                                    for kind, name in report.names[outcome] if kind == "questions"])
    return preview


def _refusing(run: Callable[[], Report]) -> Report:
    """Run an import; its problems refuse the upload, each as the line that locates it."""
    try:
        return run()
    except ImportInvalid as exc:
        raise UploadRefused([str(problem) for problem in exc.errors]) from None


def _previewed(run: Callable[[], Report], describe: Callable[[Report], UploadPreview]) -> UploadPreview:
    """Run an import in a transaction that is rolled back, and describe what it would do."""
    with transaction.atomic():
        preview = describe(_refusing(run))
        transaction.set_rollback(True)
    return preview


def gift_upload_preview(*, path: Path, options: dict[str, Any]) -> UploadPreview:
    """What importing the GIFT file would do, with the skills suggested for each question; writes nothing."""
    return _previewed(lambda: question_bank_import_gift(path=path, **_gift_options(options)), _bank_preview)


def gift_upload_import(*, path: Path, options: dict[str, Any]) -> BankImportReport:
    return _refusing(lambda: question_bank_import_gift(path=path, **_gift_options(options)))


def package_upload_preview(*, path: Path) -> UploadPreview:
    """What importing the course package would do, with the skills suggested for its questions; writes
    nothing."""
    return _previewed(lambda: course_package_import(path=path, write_files=False), _package_preview)


def package_upload_import(*, path: Path) -> PackageReport:
    return _refusing(lambda: course_package_import(path=path))


def _qti_options(options: dict[str, Any]) -> dict[str, Any]:
    return {"skill_slug": options.get("skill") or None, "key_prefix": options.get("prefix") or "qti",
            "difficulty": options.get("difficulty"), "suggest_skills": bool(options.get("suggest_skills"))}


def qti_upload_preview(*, path: Path, options: dict[str, Any]) -> UploadPreview:
    """What importing the QTI item, folder or package zip would do, with the skills suggested for each
    question; writes nothing."""
    return _previewed(lambda: question_bank_import_qti(path=path, **_qti_options(options)), _bank_preview)


def qti_upload_import(*, path: Path, options: dict[str, Any]) -> BankImportReport:
    return _refusing(lambda: question_bank_import_qti(path=path, **_qti_options(options)))
