from __future__ import annotations

import numpy as np
import pytest
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command

from adaptive import registry
from adaptive.models import ModelVersion
from adaptive.selectors import primary_skills, response_log
from adaptive.services import NotEnoughData, model_version_rollback, model_version_train
from adaptive.storage import model_storage
from lms.content.models import Question
from lms.learning.models import Response


def _champion() -> ModelVersion:
    """A trained skill_elo made champion by hand (these tests are about what happens next, not about
    the comparison, whose held-out learners depend on the database's ids)."""
    from adaptive.services import model_version_promote

    return model_version_promote(version=model_version_train(model_name="skill_elo", promote=False).version)


def test_it_exports_the_response_log_for_the_core(course_with_activity) -> None:
    log = response_log()
    assert len(log) == Response.objects.count() > 1000
    assert log.n_learners == Response.objects.values("user").distinct().count() > 40
    keys = set(Question.objects.values_list("key", flat=True))
    assert set(log.item_vocab.tokens) <= keys
    first = Response.objects.order_by("user_id", "id").select_related("question").first()
    assert log.raw_items()[0] == first.question.key
    assert log.raw_skills()[0] == primary_skills([first.question_id])[first.question_id]
    assert np.all(np.diff(log.learner) >= 0)


def test_it_trains_registers_and_promotes_the_first_model(course_with_activity) -> None:
    result = model_version_train(model_name="skill_elo", min_learners=20)
    version = result.version
    assert result.promoted and version.status == ModelVersion.CHAMPION
    assert version.metrics["auc"] > 0.6
    assert set(version.metrics["kshot"]) >= {"1", "5", "after20"}
    assert 5 <= version.training_data["holdout_learners"] <= 25  # about a fifth of 60, by hash
    assert model_storage().exists(version.artifact)
    assert registry.champion().version.pk == version.pk


def test_it_promotes_only_a_candidate_that_beats_the_champion_on_the_same_learners(course_with_activity) -> None:
    champion = _champion()
    weaker = model_version_train(model_name="skill_elo", prior_var=0.01, drift=0.0, practice_gain=0.0, search=False)
    assert not weaker.promoted
    assert weaker.version.status == ModelVersion.REJECTED
    assert weaker.version.champion_metrics["auc"] == pytest.approx(champion.metrics["auc"], abs=1e-9), \
        "both evaluated on the same held-out learners"
    assert "is not credibly above" in weaker.version.promotion_note
    # A fitted model's metrics JSON is kept beside its checkpoint in the model storage.
    assert model_storage().exists(weaker.version.artifact.removesuffix(".pt") + ".metrics.json")
    assert ModelVersion.objects.get(status=ModelVersion.CHAMPION).pk == champion.pk


def test_it_refuses_to_train_on_too_few_learners(db) -> None:
    with pytest.raises(NotEnoughData):
        model_version_train(model_name="skill_elo")


def test_it_picks_up_a_promotion_from_another_process_without_restart(course_with_activity) -> None:
    first = _champion()
    assert registry.champion().version.pk == first.pk
    second = model_version_train(model_name="skill_elo", promote=False, drift=0.3, search=False).version
    # What model_version_promote does in another process: change the rows and bump the shared key.
    ModelVersion.objects.filter(pk=first.pk).update(status=ModelVersion.RETIRED)
    ModelVersion.objects.filter(pk=second.pk).update(status=ModelVersion.CHAMPION)
    from django.core.cache import cache

    cache.set(registry.CHAMPION_KEY, second.pk)
    assert registry.champion().version.pk == second.pk


@pytest.mark.parametrize("damage", ["corrupt", "missing"])
def test_it_falls_back_to_the_previous_champion_when_the_artifact_is_broken(course_with_activity, damage,
                                                                           caplog) -> None:
    first = _champion()
    second = model_version_train(model_name="skill_elo", promote=False, drift=0.3, search=False).version
    call_command("promote_model", str(second.pk))
    model_storage().delete(second.artifact)
    if damage == "corrupt":
        assert model_storage().save(second.artifact, ContentFile(b"not a checkpoint")) == second.artifact
    registry.forget()
    loaded = registry.champion()
    assert loaded is not None and loaded.version.pk == first.pk
    assert "may not serve" in caplog.text and "trying the previous champion" in caplog.text
    assert ModelVersion.objects.get(pk=second.pk).load_error.startswith("Refused: its artifact cannot be loaded")


def test_it_rolls_back_and_lists(course_with_activity, capsys, django_capture_on_commit_callbacks) -> None:
    first = _champion()
    second = model_version_train(model_name="skill_elo", promote=False, drift=0.3, search=False).version
    with django_capture_on_commit_callbacks(execute=True):
        call_command("promote_model", str(second.pk))
    assert registry.champion().version.pk == second.pk
    with django_capture_on_commit_callbacks(execute=True):
        restored = model_version_rollback()
    assert restored.pk == first.pk
    assert registry.champion().version.pk == first.pk
    call_command("promote_model", "--list")
    assert "champion" in capsys.readouterr().out
    with pytest.raises(CommandError, match="no model version 999"):
        call_command("promote_model", "999")


def test_the_training_command_trains_from_a_file(db, tmp_path, capsys) -> None:
    from adaptive.core.simulate import simulate_learners, write_three_line

    path = write_three_line(simulate_learners(n_learners=80, seed=3).log, tmp_path / "train.csv")
    call_command("train_learner_model", "--model", "skill_elo", "--file", str(path))
    out = capsys.readouterr().out
    assert "promoted to champion" in out and "held-out AUC" in out
    assert ModelVersion.objects.get().training_data["source"] == str(path)


def _broken_checkpoint(kind: str, path) -> None:  # type: ignore[no-untyped-def]
    """Save a skill_elo checkpoint broken in one way the invariants must catch."""
    from adaptive.core.learners import create

    model = create("skill_elo", search=False)
    if kind == "nan":
        model.skill_offset = {"data-types": float("nan")}
        model.skill_vocab.add("data-types")
    elif kind == "unreachable":
        model.config.prior_var = 1e-4
        model.config.drift = 0.0
        model.config.practice_gain = 0.0
    model.save(path)


@pytest.mark.parametrize("kind", ["nan", "unreachable", "non_monotone"])
def test_a_broken_model_is_refused_at_promotion_and_the_fallback_serves(course_with_activity, tmp_path, kind) -> None:
    from adaptive.services import model_version_promote, model_version_register

    if kind == "non_monotone":
        # PFA learns from its data that wrong answers add to mastery on some skills, and cannot reach it.
        version = model_version_train(model_name="pfa", promote=False).version
    else:
        _broken_checkpoint(kind, tmp_path / f"{kind}.pt")
        version = model_version_register(artifact=tmp_path / f"{kind}.pt")
    with pytest.raises(registry.ModelRefused):
        model_version_promote(version=version)
    version.refresh_from_db()
    assert version.status == ModelVersion.REJECTED
    assert version.load_error.startswith("Refused: it fails the invariants")
    registry.forget()
    assert registry.champion() is None and registry.serving().is_fallback
    with pytest.raises(CommandError, match="fails the invariants"):
        call_command("promote_model", str(version.pk))


@pytest.mark.parametrize(("kind", "why"), [("nan", "not finite"), ("unreachable", "stays below mastery"),
                                           ("non_monotone", "wrong answer")])
def test_the_admin_action_refuses_a_broken_model_and_keeps_the_champion(course_with_activity, tmp_path, people,
                                                                        kind, why) -> None:
    from django.urls import reverse

    from adaptive.services import model_version_register
    from tests.lms.conftest import client_for

    champion = _champion()
    if kind == "non_monotone":
        version = model_version_train(model_name="pfa", promote=False).version
    else:
        _broken_checkpoint(kind, tmp_path / f"{kind}.pt")
        version = model_version_register(artifact=tmp_path / f"{kind}.pt")
    registry.forget()
    response = client_for(people.admin).post(
        reverse("admin:adaptive_modelversion_changelist"),
        {"action": "promote", "_selected_action": [str(version.pk)]}, follow=True)
    assert response.status_code == 200
    shown = [(m.level_tag, str(m)) for m in response.context["messages"]]
    assert len(shown) == 1 and shown[0][0] == "error", shown
    assert shown[0][1].startswith(f"Version {version.pk} was not promoted: it fails the invariants"), shown
    assert why in shown[0][1], shown
    assert "is now the champion" not in response.content.decode()
    assert list(ModelVersion.objects.filter(status=ModelVersion.CHAMPION)) == [champion]
    version.refresh_from_db()
    assert version.status == ModelVersion.REJECTED
    registry.forget()
    assert registry.serving().version.pk == champion.pk


def test_a_broken_champion_is_refused_when_a_process_loads_it(course_with_activity, tmp_path, caplog) -> None:
    first = _champion()
    _broken_checkpoint("nan", tmp_path / "nan.pt")
    from adaptive.services import model_version_register

    broken = model_version_register(artifact=tmp_path / "nan.pt")
    # As if promoted by an older release, or by editing the database: the process loading it refuses it.
    ModelVersion.objects.filter(pk=first.pk).update(status=ModelVersion.RETIRED)
    ModelVersion.objects.filter(pk=broken.pk).update(status=ModelVersion.CHAMPION)
    registry.forget()
    assert registry.serving().version.pk == first.pk
    assert "fails the invariants" in ModelVersion.objects.get(pk=broken.pk).load_error
    ModelVersion.objects.filter(pk=first.pk).update(status=ModelVersion.REJECTED)
    registry.forget()
    assert registry.serving().is_fallback, "with no registered model passing, the fallback serves"


def test_the_registry_in_the_admin_shows_why_a_model_was_refused(course_with_activity, tmp_path, people) -> None:
    from django.urls import reverse

    from adaptive.services import model_version_promote, model_version_register
    from tests.lms.conftest import client_for

    _broken_checkpoint("unreachable", tmp_path / "slow.pt")
    version = model_version_register(artifact=tmp_path / "slow.pt")
    with pytest.raises(registry.ModelRefused):
        model_version_promote(version=version)
    html = client_for(people.admin).get(reverse("admin:adaptive_modelversion_changelist")).content.decode()
    assert "Refused: it fails the invariants" in html and "stays below mastery" in html
