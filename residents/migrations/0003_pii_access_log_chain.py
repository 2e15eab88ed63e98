"""Chain the personal-information access log: number the rows written so far in the order they were
written, link and hash them under the current audit key, and seal the chain's head."""

import django.utils.timezone
from django.core.exceptions import ImproperlyConfigured
from django.db import migrations, models

from gridgov import audit_chain, audit_hash

CHAIN = "pii_access"


def content(row) -> dict:
    # Frozen copy of residents.models.pii_log_content as of this migration.
    return {
        "actor": row.actor_id,
        "action": row.action,
        "person": row.person_id,
        "area_code": row.area_code,
        "fields": list(row.fields or []),
        "subject_count": row.subject_count,
        "reason": row.reason,
        "remote_addr": audit_chain.ip_text(row.remote_addr),
        "created_at": row.created_at,
    }


def chain_existing(apps, schema_editor):
    Log = apps.get_model("residents", "PiiAccessLog")
    Head = apps.get_model("residents", "PiiAccessLogHead")
    try:
        key_id = audit_hash.current_key_id()
    except ImproperlyConfigured:
        if Log.objects.exists():
            raise  # rows written so far can only be chained under a key
        # A new production database migrates before its keys are set (as with the PII keys): the first
        # append creates and seals the head.
        return
    seq, prev = 0, ""
    for row in Log.objects.order_by("created_at", "id").iterator(chunk_size=2000):
        seq += 1
        digest = audit_hash.link_hash(key_id, CHAIN, seq, prev, content(row))
        # The historical manager is a plain one: this is the only update the log ever gets.
        Log.objects.filter(pk=row.pk).update(seq=seq, prev_hash=prev, hash=digest, key_id=key_id)
        prev = digest
    Head.objects.create(
        chain=CHAIN, seq=seq, hash=prev, key_id=key_id, mac=audit_hash.head_mac(key_id, CHAIN, seq, prev)
    )


class Migration(migrations.Migration):
    dependencies = [("residents", "0002_builtin_group_tags")]

    operations = [
        migrations.CreateModel(
            name="PiiAccessLogHead",
            fields=[
                ("chain", models.CharField(max_length=32, primary_key=True, serialize=False)),
                ("seq", models.PositiveBigIntegerField(default=0)),
                ("hash", models.CharField(blank=True, max_length=64)),
                ("key_id", models.CharField(blank=True, max_length=32)),
                ("mac", models.CharField(blank=True, max_length=64)),
            ],
            options={
                "verbose_name": "access-log chain head",
                "verbose_name_plural": "access-log chain heads",
            },
        ),
        migrations.AlterField(
            model_name="piiaccesslog",
            name="created_at",
            field=models.DateTimeField(
                db_index=True, default=django.utils.timezone.now, editable=False, verbose_name="when"
            ),
        ),
        migrations.AddField(
            model_name="piiaccesslog",
            name="seq",
            field=models.PositiveBigIntegerField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name="piiaccesslog",
            name="prev_hash",
            field=models.CharField(blank=True, editable=False, max_length=64, default=""),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="piiaccesslog",
            name="hash",
            field=models.CharField(editable=False, max_length=64, default=""),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="piiaccesslog",
            name="key_id",
            field=models.CharField(editable=False, max_length=32, default=""),
            preserve_default=False,
        ),
        migrations.RunPython(chain_existing, migrations.RunPython.noop),
    ]
