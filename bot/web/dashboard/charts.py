"""Server-side SVG charts (pygal): no JavaScript, nothing fetched from the internet."""

from __future__ import annotations

import re
from math import ceil

import pygal
from pygal.style import Style

_style = Style(
    background="transparent",
    plot_background="transparent",
    colors=("#0b6e4f", "#f2a541", "#3c91e6", "#9b5de5", "#e4572e"),
    font_family="system-ui, sans-serif",
    # The SVG shrinks to a phone's width: large type stays readable there.
    title_font_size=24,
    label_font_size=18,
    major_label_font_size=18,
    value_font_size=20,
    no_data_font_size=24,
)
# pygal writes its config as an inline script even with no scripts to load: the pages'
# Content-Security-Policy refuses inline script, so it is taken out.
_INLINE_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script>", re.S)
# pygal's own empty-chart text is English ("No data").
NO_DATA = "Chưa có số liệu"


def _whole_number_ticks(values: list[int]) -> list[int]:
    """Counts of people: ticks 0, 1, 2… (or coarser), never 0.2, 0.4."""
    top = max([*values, 1])
    step = max(1, ceil(top / 5))
    return list(range(0, top + step, step))


def bar_chart(title: str, values: dict[str, int]) -> str:
    """A horizontal bar chart as inline SVG markup."""
    chart = pygal.HorizontalBar(
        style=_style,
        show_legend=False,
        height=max(200, 48 * len(values) + 90),
        width=600,
        disable_xml_declaration=True,
        js=[],  # pygal's default tooltip script comes from a CDN; stations may be offline
        explicit_size=False,
        print_values=True,
        no_data_text=NO_DATA,
    )
    chart.title = title
    chart.x_labels = list(values)
    chart.y_labels = _whole_number_ticks(list(values.values()))
    chart.add(title, list(values.values()))
    return _INLINE_SCRIPT.sub("", chart.render(is_unicode=True))


def line_chart(title: str, labels: list[str], values: list[int]) -> str:
    chart = pygal.Line(
        style=_style,
        show_legend=False,
        height=340,
        width=600,
        disable_xml_declaration=True,
        js=[],  # pygal's default tooltip script comes from a CDN; stations may be offline
        explicit_size=False,
        x_label_rotation=30,
        no_data_text=NO_DATA,
    )
    chart.title = title
    chart.x_labels = labels
    chart.y_labels = _whole_number_ticks(values)
    chart.add(title, values)
    return _INLINE_SCRIPT.sub("", chart.render(is_unicode=True))
