"""Charts drawn on the server: bar lengths in proportion to the amounts, a
loss drawn the other way from a zero line, and coordinates that an Arabic
page does not localise into something that is not SVG."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import translation

from taawun.economy.charts import WIDTH, bar_chart


def test_bars_are_in_proportion_to_the_amounts():
    chart = bar_chart(
        [("Reserve", 300, "3.00"), ("Fund", 50, "0.50"), ("Dividends", 650, "6.50")],
        title="Where the surplus goes",
        label_heading="Part",
        value_heading="Amount",
    )
    assert chart is not None
    assert [b.width for b in chart.bars] == ["184.6", "30.8", "400.0"]
    assert all(b.x == "0" for b in chart.bars) and chart.zero == ""


def test_a_loss_grows_the_other_way_from_the_zero_line():
    chart = bar_chart(
        [("Reserve", -300, "-3.00"), ("Members", 700, "7.00")],
        title="t",
        label_heading="l",
        value_heading="v",
    )
    assert chart is not None
    reserve, members = chart.bars
    assert chart.zero == "120.0"  # 300 of the 1,000 span, of 400 units
    assert reserve.negative and reserve.x == "0.0" and reserve.width == "120.0"
    assert members.x == "120.0" and members.width == "280.0"
    assert float(members.x) + float(members.width) == float(WIDTH)


def test_a_tiny_amount_is_still_drawn_and_nothing_draws_no_chart():
    chart = bar_chart(
        [("a", 1, "1"), ("b", 1_000_000, "x")], title="t", label_heading="l", value_heading="v"
    )
    assert chart is not None and chart.bars[0].width == "1"
    assert bar_chart([], title="t", label_heading="l", value_heading="v") is None


def test_the_svg_has_plain_decimal_coordinates_in_arabic():
    chart = bar_chart(
        [("a", 1, "1"), ("b", 3, "3")], title="t", label_heading="l", value_heading="v"
    )
    with translation.override("ar"):
        html = render_to_string("economy/chart.html", {"chart": chart, "chart_id": "c"})
    assert 'width="133.3"' in html and "133,3" not in html
    assert "<table>" in html and '<td class="number">3</td>' in html
