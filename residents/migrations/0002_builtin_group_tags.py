from django.db import migrations

# The built-in tags as they stood when this migration was written (a copy of ``residents.catalogue``:
# a migration must not import live application code).
PRIORITY, SPECIAL = "priority_service", "special_management"

BUILTIN_TAGS = [
    # code, stored name, category, visit interval (days)
    ("elderly_alone", "空巢/独居老人", PRIORITY, 7),
    ("disabled", "残疾人", PRIORITY, 30),
    ("low_income", "低保户", PRIORITY, 30),
    ("lost_only_child", "失独家庭", PRIORITY, 30),
    ("left_behind_child", "留守儿童", PRIORITY, 30),
    ("community_correction", "社区矫正对象", SPECIAL, 7),
    ("released_prisoner", "刑满释放人员", SPECIAL, 30),
    ("mental_disorder", "严重精神障碍患者", SPECIAL, 14),
    ("drug_user", "吸毒人员", SPECIAL, 14),
    ("key_youth", "重点青少年", SPECIAL, 30),
    ("petitioner", "上访人员", SPECIAL, 30),
]


def seed(apps, schema_editor):
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
