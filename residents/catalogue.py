"""The built-in group tags (docs/domain.md §6.2): code, Chinese name, category, visit interval in days.

Intervals follow common local practice: elderly living alone weekly, special management monthly or
fortnightly. A district may change intervals or add tags in the admin; the data migration seeds these.
"""

from django.utils.translation import gettext_lazy as _

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

TAG_LABELS = {
    "elderly_alone": _("Elderly living alone"),
    "disabled": _("Disabled"),
    "low_income": _("Low-income"),
    "lost_only_child": _("Lost their only child"),
    "left_behind_child": _("Left-behind child"),
    "community_correction": _("Community correction"),
    "released_prisoner": _("Released prisoner"),
    "mental_disorder": _("Serious mental disorder"),
    "drug_user": _("Drug user"),
    "key_youth": _("Key youth"),
    "petitioner": _("Petitioner"),
}
