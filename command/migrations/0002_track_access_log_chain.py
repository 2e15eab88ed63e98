"""Chain the track-access log: number the rows written so far in the order they were written, link and
hash them under the current audit key, and seal the chain's head."""

import django.utils.timezone
from django.core.exceptions import ImproperlyConfigured
from django.db import migrations, models

from gridgov import audit_hash

CHAIN = "track_access"


def content(row) -> dict:
    # Frozen copy of command.models.track_log_content as of this migration.
    return {
        "viewer": row.viewer_id,
        "subject": row.subject_id,
        "period_start": row.period_start,
        "period_end": row.period_end,
        "via": row.via,
        "viewed_at": row.viewed_at,
    }


def chain_existing(apps, schema_editor):
    Log = apps.get_model("command", "TrackAccessLog")
    Head = apps.get_model("command", "TrackAccessLogHead")
    try:
        key_id = audit_hash.current_key_id()
    except ImproperlyConfigured:
        if Log.objects.exists():
            raise  # rows written so far can only be chained under a key
        # A new production database migrates before its keys are set (as with the PII keys): the first
        # append creates and seals the head.
        return
    seq, prev = 0, ""
    for row in Log.objects.order_by("viewed_at", "id").iterator(chunk_size=2000):
        seq += 1
        digest = audit_hash.link_hash(key_id, CHAIN, seq, prev, content(row))
        # The historical manager is a plain one: this is the only update the log ever gets.
        Log.objects.filter(pk=row.pk).update(seq=seq, prev_hash=prev, hash=digest, key_id=key_id)
        prev = digest
    Head.objects.create(
        chain=CHAIN, seq=seq, hash=prev, key_id=key_id, mac=audit_hash.head_mac(key_id, CHAIN, seq, prev)
    )


class Migration(migrations.Migration):
    dependencies = [("command", "0001_initial")]

    operations = [
        migrations.CreateModel(
            name="TrackAccessLogHead",
            fields=[
                ("chain", models.CharField(max_length=32, primary_key=True, serialize=False)),
                ("seq", models.PositiveBigIntegerField(default=0)),
                ("hash", models.CharField(blank=True, max_length=64)),
                ("key_id", models.CharField(blank=True, max_length=32)),
                ("mac", models.CharField(blank=True, max_length=64)),
            ],
            options={
                "verbose_name": "track-access chain head",
                "verbose_name_plural": "track-access chain heads",
            },
        ),
        migrations.AlterField(
            model_name="trackaccesslog",
            name="viewed_at",
            field=models.DateTimeField(
                default=django.utils.timezone.now, editable=False, verbose_name="viewed at"
            ),
        ),
        migrations.AddField(
            model_name="trackaccesslog",
            name="seq",
            field=models.PositiveBigIntegerField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name="trackaccesslog",
            name="prev_hash",
            field=models.CharField(blank=True, editable=False, max_length=64, default=""),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="trackaccesslog",
            name="hash",
            field=models.CharField(editable=False, max_length=64, default=""),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="trackaccesslog",
            name="key_id",
            field=models.CharField(editable=False, max_length=32, default=""),
            preserve_default=False,
        ),
        migrations.RunPython(chain_existing, migrations.RunPython.noop),
    ]
