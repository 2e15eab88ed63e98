from django.db import migrations


def seed(apps, schema_editor):
    from residents.catalogue import BUILTIN_TAGS, SPECIAL

    GroupTag = apps.get_model("residents", "GroupTag")
    for code, name, category, interval in BUILTIN_TAGS:
        GroupTag.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "category": category,
                "visit_interval_days": interval,
                "sensitivity": "sensitive" if category == SPECIAL else "normal",
            },
        )


class Migration(migrations.Migration):
    dependencies = [("residents", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
