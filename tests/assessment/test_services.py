"""Five-star awards: who may award, the supporting figures kept with the award."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from assessment.models import StarAward
from assessment.services import star_award
from assessment.stars import supporting_figures

pytestmark = pytest.mark.django_db


def test_the_centre_awards_a_star_with_the_figures_beside_it(tree, march):
    award = star_award(
        actor=tree.users["centre"],
        grid=tree.grids[0],
        month=202603,
        star="property",
        awarded=True,
        note="整洁",
    )
    assert award.figures["figures"]["closure_rate"] == {"value": 80.0, "num": 4, "den": 5}
    assert award.evaluator == tree.users["centre"] and award.grid_code == tree.grids[0].code


def test_awarding_again_replaces_the_decision(tree):
    star_award(actor=tree.users["street"], grid=tree.grids[0], month=202603, star="culture", awarded=True)
    star_award(actor=tree.users["street"], grid=tree.grids[0], month=202603, star="culture", awarded=False)
    assert StarAward.objects.get(grid=tree.grids[0], star="culture").awarded is False


@pytest.mark.parametrize(
    "who, grid", [("street", 5), ("community", 0), ("worker", 0), ("handler", 0), ("stranger", 0)]
)
def test_only_the_centre_and_the_grids_street_award(tree, who, grid):
    with pytest.raises(PermissionDenied):
        star_award(actor=tree.users[who], grid=tree.grids[grid], month=202603, star="culture", awarded=True)


def test_bad_input_is_refused_per_field(tree):
    with pytest.raises(ValidationError) as error:
        star_award(
            actor=tree.users["centre"], grid=tree.streets[0], month=202613, star="beauty", awarded=True
        )
    assert set(error.value.message_dict) == {"grid", "star", "month"}


def test_supporting_figures_per_star(tree, march):
    figures = supporting_figures(tree.users["centre"], tree.grids[0], 202603)
    assert figures["organisation"]["members"] == 2  # worker and leader
    assert figures["organisation"]["figures"]["valid_report_rate"]["num"] == 7
    assert figures["security"]["figures"]["due_for_closing"]["value"] == 0  # no safety cases
