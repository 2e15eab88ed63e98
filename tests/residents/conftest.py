"""Register fixtures on top of the shared ``tree``: every grid gets a building, two households, people."""

import datetime as dt
from dataclasses import dataclass, field

import pytest
from django.contrib.auth.models import Permission

from residents import idcard
from residents.models import GroupTag
from residents.services import building_save, dwelling_save, household_register, person_register, tag_assign


@dataclass
class Register:
    tree: object
    households: dict = field(default_factory=dict)  # grid code -> [Household]
    persons: dict = field(default_factory=dict)  # grid code -> [Person]
    numbers: dict = field(default_factory=dict)  # person id -> clear ID number
    phones: dict = field(default_factory=dict)


def grant(user, *codenames):
    for codename in codenames:
        user.user_permissions.add(
            Permission.objects.get(codename=codename, content_type__app_label="residents")
        )
    # A user object caches its permissions: Django's advice is to load the user again, as a request would.
    return type(user).objects.get(pk=user.pk)


def fill_grid(reg: Register, grid, actor, seq_start=1, households=2, persons_per_household=2, building_no=1):
    building = building_save(
        actor=actor,
        area=grid,
        code=f"{grid.code}-B{building_no:02d}",
        name=f"{grid.name}{building_no}栋",
        address=f"{grid.name}路1号",
    )
    seq = seq_start
    for h in range(households):
        dwelling = dwelling_save(actor=actor, building=building, unit="1", room=f"{h + 1}01")
        household = household_register(
            actor=actor, number=f"{grid.code}{building_no:02d}{h + 1:03d}", dwelling=dwelling
        )
        reg.households.setdefault(grid.code, []).append(household)
        for p in range(persons_per_household):
            number = idcard.make("430104", dt.date(1950 + seq % 60, 1 + seq % 12, 1 + seq % 28), seq)
            phone = f"139{seq:08d}"
            person = person_register(
                actor=actor,
                household=household,
                name=f"居民{seq}",
                id_number=number,
                phone=phone,
                relation="head" if p == 0 else "spouse",
            )
            reg.persons.setdefault(grid.code, []).append(person)
            reg.numbers[person.id], reg.phones[person.id] = number, phone
            seq += 1
    return seq


@pytest.fixture
def register(tree, django_user_model):
    root = django_user_model.objects.create_superuser("root", password="pw-root")
    reg = Register(tree=tree)
    seq = 1
    for grid in tree.grids:
        seq = fill_grid(reg, grid, root, seq_start=seq)
    elderly = GroupTag.objects.get(code="elderly_alone")
    correction = GroupTag.objects.get(code="community_correction")
    g0 = reg.persons[tree.grids[0].code]
    tag_assign(actor=root, person=g0[0], tag=elderly, since=dt.date(2026, 1, 1))
    tag_assign(actor=root, person=g0[1], tag=correction, since=dt.date(2026, 1, 1))
    reg.root = root
    return reg
