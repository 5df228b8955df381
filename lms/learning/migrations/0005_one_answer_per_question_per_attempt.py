from django.conf import settings
from django.db import migrations, models
from django.db.models import Count, Min


def detach_later_answers(apps, schema_editor):
    """Before the constraint, concurrent requests could store a second answer to a question in one
    attempt. The earliest stays in the attempt; the later ones stay in the answer log (the learner
    model has applied them) but no longer count as answers of the quiz."""
    Response = apps.get_model("learning", "Response")
    repeated = (Response.objects.filter(quiz_attempt__isnull=False).values("quiz_attempt", "question")
                .annotate(n=Count("id"), first=Min("id")).filter(n__gt=1).order_by())
    for row in repeated:
        (Response.objects.filter(quiz_attempt=row["quiz_attempt"], question=row["question"])
         .exclude(pk=row["first"]).update(quiz_attempt=None))


class Migration(migrations.Migration):

    dependencies = [
        ('content', '0003_skillsuggestion'),
        ('learning', '0004_response_user_created_index'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(detach_later_answers, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='response',
            constraint=models.UniqueConstraint(condition=models.Q(('quiz_attempt__isnull', False)), fields=('quiz_attempt', 'question'), name='one_answer_per_question_per_attempt'),
        ),
    ]
