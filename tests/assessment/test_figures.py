"""Grades at their boundaries, composites with missing components, weights from configuration."""

import pytest

from assessment.figures import DEFAULT_WEIGHTS, FIGURES, OUTSIDE_COMPONENTS, PARTS, composite, grade, weights


@pytest.mark.parametrize(
    "score, letter",
    [
        (100, "A"),
        (90, "A"),
        (89.99, "B"),
        (75, "B"),
        (74.99, "C"),
        (60, "C"),
        (59.99, "D"),
        (40, "D"),
        (39.99, "E"),
        (0, "E"),
        (None, ""),
    ],
)
def test_it_grades_at_the_boundaries(score, letter):
    assert grade(score) == letter


def test_the_published_example_is_reproduced():
    from assessment.report import figure_values

    figs = figure_values(
        {"closed": 911, "closed_on_time": 737, "due_for_closing": 972},
        ["closure_rate", "on_time_closure_rate"],
    )
    assert figs["closure_rate"]["value"] == 93.72 and figs["on_time_closure_rate"]["value"] == 75.82


def test_a_zero_denominator_gives_no_value_not_zero():
    from assessment.report import figure_values

    assert figure_values({}, ["closure_rate"])["closure_rate"] == {"value": None, "num": 0, "den": 0}


def test_a_composite_leaves_out_components_without_a_value():
    assert composite({"hotline_response_rate": 100, "hotline_solution_rate": 80}, "hotline") == round(
        (10 * 100 + 50 * 80) / 60, 2
    )
    assert composite({}, "hotline") is None


def test_lower_is_better_components_are_inverted_and_volume_is_relative():
    values = {"closure_rate": 100, "on_time_handling_rate": 100, "rework_rate": 10}
    assert composite(values, "department", volume_share=50) == (30 * 100 + 30 * 100 + 30 * 90 + 10 * 50) / 100


def test_weights_come_from_configuration_with_domain_defaults(settings):
    assert weights("hotline") == DEFAULT_WEIGHTS["hotline"]
    settings.GRIDGOV = {**settings.GRIDGOV, "ASSESSMENT_WEIGHTS": {"hotline": {"hotline_solution_rate": 1}}}
    assert weights("hotline") == {"hotline_solution_rate": 1}
    assert weights("worker") == DEFAULT_WEIGHTS["worker"]
    assert composite({"hotline_solution_rate": 70, "hotline_response_rate": 0}, "hotline") == 70


def test_every_figure_is_defined_from_known_parts_with_a_definition():
    for f in FIGURES.values():
        assert all(part in PARTS for part in f.part_keys()), f.key
        assert str(f.definition) and f.formula
    for kind, components in DEFAULT_WEIGHTS.items():
        assert all(
            c == "volume" or c.lstrip("-") in FIGURES or c in OUTSIDE_COMPONENTS for c in components
        ), kind
