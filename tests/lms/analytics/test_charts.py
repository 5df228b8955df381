from __future__ import annotations

from lms.analytics.charts import Series, line_chart, mastery_class, nice_max


def test_it_picks_round_axis_maxima() -> None:
    assert [nice_max(v) for v in (1, 5, 10, 37, 99, 250)] == [4, 8, 12, 40, 100, 400]


def test_it_escapes_names_and_titles() -> None:
    svg = line_chart(title="<script>", series=[Series("<b>x</b>", [(0, 0.5), (1, None), (2, 0.7)])], x_min=0, x_max=2)
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "&lt;b&gt;x&lt;/b&gt;" in svg
    assert 'role="img"' in svg and "<title>&lt;script&gt;</title>" in svg


def test_it_colours_mastery_in_five_steps() -> None:
    assert [mastery_class(v) for v in (None, 0.0, 0.19, 0.2, 0.59, 0.85, 1.0)] == [
        "m-none", "m-0", "m-0", "m-1", "m-2", "m-4", "m-4"]
