"""Learner models named for what they are: rows written under the former names show the new ones.

Checkpoints keep the name they were saved under; ``adaptive.core.learners.load`` maps it.
"""

from django.db import migrations, models

#: Former name → name (the same table as adaptive.core.learners.base.RENAMED_MODELS, frozen here).
RENAMED = {"rl2": "gru", "maml": "bayes_mirt", "hybrid": "gru_pfa"}


def rename(apps, schema_editor):
    ModelVersion = apps.get_model("adaptive", "ModelVersion")
    TrainingRun = apps.get_model("adaptive", "TrainingRun")
    for old, new in RENAMED.items():
        ModelVersion.objects.filter(name=old).update(name=new)
        TrainingRun.objects.filter(model_name=old).update(model_name=new)


class Migration(migrations.Migration):

    dependencies = [
        ('adaptive', '0003_decision_mastery'),
    ]

    operations = [
        migrations.AlterField(
            model_name='modelversion',
            name='name',
            field=models.CharField(help_text='Learner model in the core registry, e.g. gru_pfa.', max_length=40),
        ),
        # Going back keeps the new names: the former ones would load the same checkpoints anyway.
        migrations.RunPython(rename, migrations.RunPython.noop),
    ]
