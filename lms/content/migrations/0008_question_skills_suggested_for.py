from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("content", "0007_remove_moduleimage_data"),
    ]

    operations = [
        migrations.AddField(
            model_name="question",
            name="skills_suggested_for",
            field=models.CharField(
                blank=True, default="", editable=False, max_length=64,
                help_text="Fingerprint of the text its stored skill suggestions were worked out from: "
                          "'pending' until they are first worked out, empty when none were ever asked for "
                          "(lms.content.tasks.suggest_skills).",
            ),
        ),
    ]
