import secrets

from django.db import migrations, models

import cases.models

# A copy of cases.models.new_public_id as written then: the data step must not depend on live code (the
# field's default below still names the live function, as Django's migration writer requires).
PUBLIC_ID_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"


def _public_id() -> str:
    n, base = secrets.randbelow(len(PUBLIC_ID_ALPHABET) ** 12), len(PUBLIC_ID_ALPHABET)
    return "".join(PUBLIC_ID_ALPHABET[n // base**k % base] for k in range(12))


def fill_public_ids(apps, schema_editor):
    # A callable default gives every existing row the same value: give each its own, in chunks.
    Case = apps.get_model("cases", "Case")
    ids = list(Case.objects.filter(public_id__isnull=True).values_list("pk", flat=True))
    for start in range(0, len(ids), 2000):
        chunk = [Case(pk=pk, public_id=_public_id()) for pk in ids[start : start + 2000]]
        Case.objects.bulk_update(chunk, ["public_id"])


class Migration(migrations.Migration):
    dependencies = [("cases", "0004_escalation_schedule")]

    operations = [
        migrations.AddField(
            model_name="case",
            name="public_id",
            field=models.CharField(editable=False, max_length=16, null=True, verbose_name="public id"),
        ),
        migrations.RunPython(fill_public_ids, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="case",
            name="public_id",
            field=models.CharField(
                default=cases.models.new_public_id,
                editable=False,
                max_length=16,
                unique=True,
                verbose_name="public id",
            ),
        ),
        migrations.AddField(
            model_name="category",
            name="duplicate_window_hours",
            field=models.PositiveIntegerField(default=72, verbose_name="duplicate window (hours)"),
        ),
        migrations.AlterField(
            model_name="case",
            name="satisfaction",
            field=models.CharField(
                blank=True,
                choices=[
                    ("satisfied", "Satisfied"),
                    ("basically_satisfied", "Basically satisfied"),
                    ("dissatisfied", "Dissatisfied"),
                    ("no_response", "No response"),
                ],
                max_length=24,
                verbose_name="satisfaction",
            ),
        ),
    ]
