"""The kept INSERT statements: the same rows as Django's own path, one compilation per column set, and
Django's path for anything that is not a plain parameter."""

import pytest
from django.db import connection
from django.db.models import Value
from django.db.models.sql.compiler import SQLInsertCompiler
from django.forms.models import model_to_dict
from django.test.utils import CaptureQueriesContext

from cases.events import verify_chain
from cases.models import Case, CaseEvent
from gridgov import inserts
from tests.cases.conftest import report, rubbish  # noqa: F401  (rubbish: a fixture)


@pytest.fixture(autouse=True)
def _no_kept_statements():
    inserts._STATEMENTS.clear()
    yield
    inserts._STATEMENTS.clear()


@pytest.fixture
def compilations(monkeypatch):
    """How many times Django compiled an INSERT."""
    calls = []
    real = SQLInsertCompiler.as_sql
    monkeypatch.setattr(
        SQLInsertCompiler, "as_sql", lambda self: calls.append(self.query.model) or real(self)
    )
    return calls


def _copy_of(case, **changes):
    fields = {
        f.name: getattr(case, f.name)
        for f in Case._meta.concrete_fields
        if not f.generated and not f.primary_key
    }
    return Case(**{**fields, "number": f"{case.number}-c", "public_id": f"{case.public_id[:10]}c", **changes})


def test_it_writes_the_row_django_would(tree, rubbish):
    case = report(tree, rubbish, description="东门外", address="枫林路88号")
    stored = Case.objects.get(pk=case.pk)
    assert model_to_dict(stored) == model_to_dict(case)
    # RETURNING filled the columns the database computes.
    assert (case.street_code, case.community_code, case.grid_code) == (
        stored.street_code,
        stored.community_code,
        stored.grid_code,
    )
    assert case.grid_code == case.area_code[:15]
    assert verify_chain(CaseEvent.objects.filter(case=case)) is None  # the event row as it was hashed


def test_it_compiles_each_column_set_once(tree, rubbish, compilations):
    report(tree, rubbish)
    report(tree, rubbish)
    assert compilations == [Case, CaseEvent]
    report(tree, rubbish, lat=None, lon=None, area=tree.grids[0])  # another column set: lat/lon left out
    assert compilations == [Case, CaseEvent, Case]


def test_it_leaves_null_columns_out(tree, rubbish):
    with CaptureQueriesContext(connection) as queries:
        case = report(tree, rubbish)
    insert = next(q["sql"] for q in queries if q["sql"].startswith('INSERT INTO "cases_case"'))
    assert '"filed_at"' not in insert and '"handling_department_id"' not in insert
    assert Case.objects.get(pk=case.pk).filed_at is None


def test_an_expression_takes_djangos_path_and_is_not_kept(tree, rubbish, compilations):
    template = report(tree, rubbish)
    inserts._STATEMENTS.clear()
    compilations.clear()
    odd = _copy_of(template, title=Value("由表达式写入"))
    odd.save()
    assert Case.objects.get(pk=odd.pk).title == "由表达式写入"
    plain = _copy_of(template, number=f"{template.number}-p", public_id=f"{template.public_id[:10]}p")
    plain.save()
    assert Case.objects.get(pk=plain.pk).title == template.title
    # The expression's statement (its value inlined) was not kept for the plain row of the same columns.
    assert compilations == [Case, Case]
