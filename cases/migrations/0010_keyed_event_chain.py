"""Keyed case-event chain: the key id per event, the chain head on the case row, and audit checkpoints.

Existing events are not re-hashed: they keep key id "sha256" and verify under the plain SHA-256 scheme they
were written with; new events are HMAC-SHA256 under the configured audit key. Each case's head is set from
its last event in one statement."""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery, Value
from django.db.models.functions import Coalesce


def heads_from_events(apps, schema_editor):
    Case = apps.get_model("cases", "Case")
    CaseEvent = apps.get_model("cases", "CaseEvent")
    last = CaseEvent.objects.filter(case_id=OuterRef("pk")).order_by("-seq")
    Case.objects.update(
        last_event_seq=Coalesce(Subquery(last.values("seq")[:1]), Value(0)),
        last_event_hash=Coalesce(Subquery(last.values("hash")[:1]), Value("")),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0009_caseevent_kind_choices"),
    ]

    operations = [
        migrations.AddField(
            model_name="caseevent",
            name="key_id",
            field=models.CharField(default="sha256", max_length=32),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="case",
            name="last_event_seq",
            field=models.PositiveIntegerField(default=0, editable=False),
        ),
        migrations.AddField(
            model_name="case",
            name="last_event_hash",
            field=models.CharField(blank=True, default="", editable=False, max_length=64),
        ),
        migrations.CreateModel(
            name="AuditCheckpoint",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("created_at", models.DateTimeField()),
                ("cases", models.PositiveIntegerField()),
                ("last_event_id", models.BigIntegerField()),
                ("digest", models.CharField(max_length=64)),
                ("key_id", models.CharField(max_length=32)),
                ("signature", models.CharField(max_length=64)),
            ],
            options={
                "verbose_name": "audit checkpoint",
                "verbose_name_plural": "audit checkpoints",
                "ordering": ["-id"],
            },
        ),
        migrations.RunPython(heads_from_events, migrations.RunPython.noop),
    ]
