# Module images move from a binary column to the default storage in three steps: the new columns
# (this one), the bytes moved in batches (0006), the binary column dropped (0007).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('content', '0004_question_accepted_wildcards'),
    ]

    operations = [
        migrations.AddField(
            model_name='moduleimage',
            name='file',
            field=models.FileField(default='', help_text='The stored object: module-images/<module>/<sha256>/<filename>.', max_length=400, upload_to=''),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='moduleimage',
            name='sha256',
            field=models.CharField(default='', help_text="SHA-256 of the image's bytes.", max_length=64),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='moduleimage',
            name='size',
            field=models.PositiveIntegerField(default=0, help_text='Bytes.'),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name='moduleimage',
            name='data',
            field=models.BinaryField(null=True),
        ),
    ]
