from django.db import migrations


def load(apps, schema_editor):
    from cases.catalogue import catalogue_load

    catalogue_load(apps.get_model("cases", "Category"), apps.get_model("cases", "TimeLimit"))


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
