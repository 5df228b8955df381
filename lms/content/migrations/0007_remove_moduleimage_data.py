from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('content', '0006_moduleimage_bytes_to_storage'),
    ]

    operations = [
        migrations.RemoveField(
            model_name='moduleimage',
            name='data',
        ),
    ]
