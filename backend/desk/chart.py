"""A server-rendered SVG bar chart: alerts opened and resolved per day. No JavaScript."""

from __future__ import annotations

from django.utils.html import escape

from backend.desk.selectors import Day


def alerts_svg(days: list[Day], *, opened_label: str, resolved_label: str) -> str:
    width, height, left, bottom, top = 640, 220, 34, 28, 24
    plot_w, plot_h = width - left - 10, height - bottom - top
    peak = max([1] + [max(d.opened, d.resolved) for d in days])
    step = max(1, -(-peak // 4))  # four gridlines, whole numbers
    ceiling = step * 4
    slot = plot_w / max(1, len(days))
    bar = slot * 0.36
    parts = [
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-label="{escape(opened_label)} / {escape(resolved_label)}">'
    ]
    for i in range(5):
        y = top + plot_h - plot_h * i / 4
        parts.append(
            f'<line x1="{left}" x2="{width - 10}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e2e5ea"/>'
        )
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{step * i}</text>')
    for n, d in enumerate(days):
        x = left + n * slot + slot * 0.14
        for k, (value, colour, name) in enumerate(
            ((d.opened, "#c92a2a", opened_label), (d.resolved, "#2b8a3e", resolved_label))
        ):
            h = plot_h * value / ceiling
            parts.append(
                f'<rect x="{x + k * bar:.1f}" y="{top + plot_h - h:.1f}" width="{bar:.1f}" '
                f'height="{h:.1f}" fill="{colour}">'
                f"<title>{d.day:%m-%d} {escape(name)}: {value}</title></rect>"
            )
        if n % 2 == 0 or len(days) <= 10:
            parts.append(
                f'<text x="{left + n * slot + slot / 2:.1f}" y="{height - 10}" '
                f'text-anchor="middle">{d.day:%m-%d}</text>'
            )
    parts.append(f'<rect x="{left}" y="4" width="10" height="10" fill="#c92a2a"/>')
    parts.append(f'<text x="{left + 14}" y="13">{escape(opened_label)}</text>')
    parts.append(f'<rect x="{left + 120}" y="4" width="10" height="10" fill="#2b8a3e"/>')
    parts.append(f'<text x="{left + 134}" y="13">{escape(resolved_label)}</text>')
    parts.append("</svg>")
    return "".join(parts)
