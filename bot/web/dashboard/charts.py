"""Server-side SVG charts (pygal): no JavaScript, nothing fetched from the internet."""

from __future__ import annotations

import pygal
from pygal.style import Style

_style = Style(
    background="transparent",
    plot_background="transparent",
    colors=("#0b6e4f", "#f2a541", "#3c91e6", "#9b5de5", "#e4572e"),
    font_family="system-ui, sans-serif",
)


def bar_chart(title: str, values: dict[str, int]) -> str:
    """A horizontal bar chart as inline SVG markup."""
    chart = pygal.HorizontalBar(
        style=_style,
        show_legend=False,
        height=max(160, 40 * len(values) + 60),
        width=600,
        disable_xml_declaration=True,
        js=[],  # pygal's default tooltip script comes from a CDN; stations may be offline
        explicit_size=False,
        print_values=True,
    )
    chart.title = title
    chart.x_labels = list(values)
    chart.add(title, list(values.values()))
    return chart.render(is_unicode=True)


def line_chart(title: str, labels: list[str], values: list[int]) -> str:
    chart = pygal.Line(
        style=_style,
        show_legend=False,
        height=260,
        width=600,
        disable_xml_declaration=True,
        js=[],  # pygal's default tooltip script comes from a CDN; stations may be offline
        explicit_size=False,
        x_label_rotation=30,
    )
    chart.title = title
    chart.x_labels = labels
    chart.add(title, values)
    return chart.render(is_unicode=True)
