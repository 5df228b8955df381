from __future__ import annotations

from typing import Any

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from lms.content.storage import StoredImage, image_bytes_put, image_bytes_read, image_file_delete_on_commit

SLUG_HELP = "Lowercase letters, digits and hyphens; used in addresses and course packages."


class Skill(models.Model):
    """Something a learner can master. Skills are shared by all courses and form a prerequisite DAG."""

    slug = models.SlugField(max_length=80, unique=True, help_text=SLUG_HELP)
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    prerequisites = models.ManyToManyField(
        "self", symmetrical=False, related_name="dependents", blank=True,
        help_text="Skills that should be mastered first. Cycles are refused.",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Course(models.Model):
    slug = models.SlugField(max_length=80, unique=True, help_text=SLUG_HELP)
    title = models.CharField(max_length=200)
    summary = models.CharField(max_length=300, blank=True)
    description = models.TextField(blank=True, help_text="Markdown.")
    published = models.BooleanField(default=True)
    target_success = models.FloatField(
        default=0.7, validators=[MinValueValidator(0.5), MaxValueValidator(0.95)],
        help_text="The predicted success rate that adaptive quizzes aim for.",
    )
    mastery_threshold = models.FloatField(
        default=0.85, validators=[MinValueValidator(0.5), MaxValueValidator(0.99)],
        help_text="Predicted success at or above which a skill counts as mastered.",
    )
    control_share = models.FloatField(
        default=0.0, validators=[MinValueValidator(0.0), MaxValueValidator(0.5)],
        help_text="Share of new enrolments that follow the fixed course order (the control group), "
                  "so adaptive paths can be compared with fixed ones. 0 turns the comparison off.",
    )
    skills = models.ManyToManyField(Skill, related_name="courses", blank=True,
                                    help_text="Skills this course owns (exported with it).")
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("course", args=[self.slug])


class Question(models.Model):
    """One item of the bank. Questions are reused across modules, never copied."""

    class Type(models.TextChoices):
        SINGLE = "single_choice", _("Single choice")
        MULTIPLE = "multiple_choice", _("Multiple choice")
        TRUE_FALSE = "true_false", _("True / false")
        NUMERIC = "numeric", _("Numeric")
        SHORT_TEXT = "short_text", _("Short text")

    SINGLE, MULTIPLE, TRUE_FALSE, NUMERIC, SHORT_TEXT = (
        Type.SINGLE, Type.MULTIPLE, Type.TRUE_FALSE, Type.NUMERIC, Type.SHORT_TEXT)
    CHOICE_TYPES = (Type.SINGLE, Type.MULTIPLE)

    key = models.CharField(max_length=100, unique=True,
                           help_text="Identifies the question in every course and package.")
    type = models.CharField(max_length=20, choices=Type.choices)
    stem = models.TextField(help_text="Markdown.")
    explanation = models.TextField(help_text="Markdown, shown after the learner answers.")
    difficulty = models.PositiveSmallIntegerField(
        default=3, validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text="1 (easiest) to 5 (hardest), set by the author.",
    )
    skills = models.ManyToManyField(Skill, related_name="questions")
    true_false_answer = models.BooleanField(null=True, blank=True)
    numeric_answer = models.FloatField(null=True, blank=True)
    numeric_tolerance = models.FloatField(default=0.0, validators=[MinValueValidator(0.0)])
    accepted_answers = models.JSONField(default=list, blank=True,
                                        help_text="Short text: the accepted answers.")
    case_sensitive = models.BooleanField(default=False)
    accepted_wildcards = models.BooleanField(
        default=False,
        help_text="Short text: '*' in an accepted answer stands for any characters, as in Moodle "
                  "('fro*' accepts 'frog'); '\\*' is a literal asterisk.",
    )
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)
    skills_suggested_for = models.CharField(
        max_length=64, blank=True, default="", editable=False,
        help_text="Fingerprint of the text its stored skill suggestions were worked out from: 'pending' until "
                  "they are first worked out, empty when none were ever asked for (lms.content.tasks.suggest_skills).")

    class Meta:
        ordering = ["key"]

    def __str__(self) -> str:
        return self.key


class Choice(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="choices")
    text = models.CharField(max_length=500)
    is_correct = models.BooleanField(default=False)
    feedback = models.CharField(max_length=500, blank=True)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.text


class Module(models.Model):
    """A micro-learning unit: a short reading, optional video and images, and a quiz."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="modules")
    slug = models.SlugField(max_length=80, help_text=SLUG_HELP)
    title = models.CharField(max_length=200)
    body = models.TextField(help_text="Markdown; raw HTML is sanitised on display.")
    video_url = models.URLField(blank=True)
    estimated_minutes = models.PositiveSmallIntegerField(default=5, validators=[MinValueValidator(1)])
    order = models.PositiveIntegerField(default=0)
    skills = models.ManyToManyField(Skill, related_name="modules", blank=True)
    questions: models.ManyToManyField[Question, ModuleQuestion] = models.ManyToManyField(
        Question, through="ModuleQuestion", related_name="modules", blank=True)

    class Meta:
        ordering = ["course", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["course", "slug"], name="module_slug_unique_in_course")]

    def __str__(self) -> str:
        return f"{self.course.title} / {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("module", args=[self.course.slug, self.slug])

    def quiz_questions(self) -> list[Question]:
        return [mq.question for mq in self.module_questions.select_related("question").order_by("order", "id")]


class ModuleQuestion(models.Model):
    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="module_questions")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="module_links")
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]
        constraints = [models.UniqueConstraint(fields=["module", "question"], name="question_once_per_module")]

    def __str__(self) -> str:
        return f"{self.module} #{self.order}: {self.question.key}"


class ModuleImage(models.Model):
    """An image shown in a module. The bytes are in the default storage (a folder on one host, the
    bucket on several: ``lms.content.storage``), so any web node serves them; the row names the object
    and keeps its hash and size, so an import sees an unchanged image without reading it."""

    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="images")
    filename = models.CharField(max_length=200, help_text="Name used in packages, e.g. bar-chart.svg.")
    content_type = models.CharField(max_length=60)
    file = models.FileField(max_length=400, help_text="The stored object: module-images/<module>/<sha256>/<filename>.")
    sha256 = models.CharField(max_length=64, help_text="SHA-256 of the image's bytes.")
    size = models.PositiveIntegerField(help_text="Bytes.")
    alt = models.CharField(max_length=300, help_text="Describes the image for people who cannot see it.")
    caption = models.CharField(max_length=300, blank=True)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]
        constraints = [models.UniqueConstraint(fields=["module", "filename"], name="image_name_unique_in_module")]

    def __str__(self) -> str:
        return self.filename

    def save(self, *args: Any, **kwargs: Any) -> None:
        super().save(*args, **kwargs)
        for name in self.__dict__.pop("_replaced_names", []):
            if name != self.file.name:
                image_file_delete_on_commit(name)

    def get_absolute_url(self) -> str:
        return reverse("module_image", args=[self.pk, self.filename])

    def store_bytes(self, data: bytes, *, write: bool = True) -> StoredImage:
        """Write the bytes to storage and point the row at them; the caller saves the row. The object
        the row named before is removed once that save is committed, never before: a rollback leaves
        the row pointing at an object that still exists. ``write=False`` (a preview that is rolled
        back) names the object without writing it."""
        if not self.module_id:
            raise ValueError("an image is stored under its module: set the module first")
        stored = image_bytes_put(module_id=self.module_id, filename=self.filename, data=data, write=write)
        if self.file.name and self.file.name != stored.name:
            self.__dict__.setdefault("_replaced_names", []).append(self.file.name)
        self.file.name, self.sha256, self.size = stored.name, stored.sha256, stored.size
        return stored

    def read_bytes(self) -> bytes:
        return image_bytes_read(self.file.name)


@receiver(post_delete, sender=ModuleImage)
def _image_file_delete(sender: type[ModuleImage], instance: ModuleImage, **kwargs: Any) -> None:
    """Deleting an image, its module or its course removes the stored object after the commit."""
    image_file_delete_on_commit(instance.file.name)


class SkillSuggestion(models.Model):
    """A skill the few-shot tagger suggests for a question, waiting for an admin's decision.

    Suggestions are never applied silently: approving one adds the skill to the question
    (``adaptive.tagging.skill_suggestions_approve``); see docs/skill-tagging.md.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    PENDING, APPROVED, REJECTED = Status.PENDING, Status.APPROVED, Status.REJECTED

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="skill_suggestions")
    skill = models.ForeignKey(Skill, on_delete=models.CASCADE, related_name="suggestions")
    confidence = models.FloatField(help_text="The tagger's calibrated probability that this is the question's skill.")
    rank = models.PositiveSmallIntegerField(default=1, help_text="1 for the tagger's first choice.")
    source = models.CharField(max_length=40, help_text="What asked for it: a course import, a GIFT import, "
                                                       "the suggest_skills command.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    created = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.CharField(max_length=150, blank=True, help_text="Username of the admin who decided.")

    class Meta:
        ordering = ["question__key", "rank"]
        constraints = [models.UniqueConstraint(fields=["question", "skill"], name="one_suggestion_per_question_skill")]

    def __str__(self) -> str:
        return f"{self.question.key}: {self.skill.slug} ({self.confidence:.0%})"
