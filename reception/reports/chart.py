"""The digest's picture: received and resolved per category, and the three rates vs last week.

Drawn with matplotlib's object API on a bare ``Figure`` with an Agg canvas (no pyplot), so
no global figure state is shared between threads and no GUI backend is ever touched.

Chinese needs a CJK font or every label becomes a row of tofu boxes. The ``mplfonts``
package (a project dependency) ships Noto Sans CJK SC; we register that file with
matplotlib. Without it we fall back to any installed font that fontconfig says covers
Chinese (``fc-list :lang=zh``), and log a warning when there is none.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
from collections.abc import Sequence
from functools import cache
from pathlib import Path

import matplotlib
from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from reception.reports import texts as t
from reception.reports.metrics import MIN_SAMPLE, Rates

log = logging.getLogger(__name__)

_MPLFONTS_FILE = "NotoSansCJKsc-Regular.otf"
_COLOURS = {"received": "#4C78A8", "resolved": "#59A14F", "overdue": "#E15759", "this": "#E15759",
            "last": "#BAB0AC"}
_MAX_CATEGORIES = 10


@cache
def cjk_font() -> str | None:
    """Register a Chinese font with matplotlib once; return its family name (None: none)."""
    for path in (_mplfonts_file(), *_fontconfig_files()):
        if path is None:
            continue
        try:
            font_manager.fontManager.addfont(str(path))
            return font_manager.FontProperties(fname=str(path)).get_name()
        except (OSError, RuntimeError, ValueError) as exc:
            log.warning("cannot load font %s: %s", path, exc)
    log.warning(
        "no Chinese font found: digest charts will show boxes instead of Chinese "
        "(install the mplfonts package, or a CJK font such as fonts-noto-cjk)"
    )
    return None


def _mplfonts_file() -> Path | None:
    try:
        from mplfonts.conf import FONT_DIR
    except ImportError:
        return None
    path = Path(FONT_DIR) / _MPLFONTS_FILE
    return path if path.is_file() else None


def _fontconfig_files() -> list[Path]:
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return []
    try:
        found = subprocess.run(
            [fc_list, ":lang=zh", "file"], capture_output=True, text=True, timeout=10, check=False
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    files = (Path(line.split(":", 1)[0].strip()) for line in found.splitlines() if line.strip())
    # matplotlib reads TrueType/OpenType files, not bitmap fonts.
    return sorted(p for p in files if p.suffix.lower() in (".ttf", ".otf", ".ttc"))


def render_weekly(
    path: Path,
    *,
    title: str,
    categories: Sequence[tuple[str, int, int, int, int]],
    current: Rates,
    previous: Rates,
    min_sample: int = MIN_SAMPLE,
) -> Path:
    """Write the weekly chart as a PNG at ``path`` and return it.

    ``categories`` holds (name, received, resolved, overdue, received last week) for this
    week's categories, biggest first; the first ten are drawn, each with last week's bar
    beside this week's. A rate over fewer than ``min_sample`` cases is labelled with its
    counts, not a percentage.
    """
    font = cjk_font()
    rc = {"font.family": "sans-serif", "axes.unicode_minus": False}
    if font:
        rc["font.sans-serif"] = [font, "DejaVu Sans"]
    with matplotlib.rc_context(rc):
        figure = Figure(figsize=(11, 5), dpi=110, layout="constrained")
        FigureCanvasAgg(figure)
        left, right = figure.subplots(1, 2, width_ratios=[3, 2])
        _category_bars(left, list(categories)[:_MAX_CATEGORIES])
        _rate_bars(right, current, previous, min_sample)
        figure.suptitle(title, fontsize=14)
        path.parent.mkdir(parents=True, exist_ok=True)
        figure.savefig(path, format="png")
    return path


def _category_bars(axes, categories: list[tuple[str, int, int, int, int]]) -> None:
    axes.set_title(t.CHART_BY_CATEGORY)
    if not categories:
        axes.text(0.5, 0.5, t.CHART_NO_DATA, ha="center", va="center", transform=axes.transAxes)
        axes.set_axis_off()
        return
    rows = categories[::-1]  # biggest at the top
    names = [row[0] for row in rows]
    series = (  # (column in the row, colour, label), drawn top to bottom within a category
        (4, _COLOURS["last"], t.CHART_RECEIVED_LAST_WEEK),
        (1, _COLOURS["received"], t.CHART_RECEIVED),
        (2, _COLOURS["resolved"], t.CHART_RESOLVED),
        (3, _COLOURS["overdue"], t.CHART_OVERDUE),
    )
    height = 0.8 / len(series)
    for rank, (column, colour, label) in enumerate(series):
        offset = 0.4 - height / 2 - rank * height
        bars = axes.barh([p + offset for p in range(len(rows))], [row[column] for row in rows],
                         height=height, color=colour, label=label)
        axes.bar_label(bars, padding=2, fontsize=8)
    axes.set_yticks(list(range(len(rows))), names)
    axes.xaxis.get_major_locator().set_params(integer=True)
    axes.set_xlim(0, max(max(row[1], row[4]) for row in rows) * 1.2 + 1)
    axes.legend(loc="lower right", fontsize=8)
    axes.spines[["top", "right"]].set_visible(False)


def _rate_bars(axes, current: Rates, previous: Rates, min_sample: int) -> None:
    axes.set_title(t.CHART_RATES)
    names = [t.RATE_RESPONSE, t.RATE_RESOLUTION, t.RATE_SATISFACTION]
    fields = ("response_rate", "resolution_rate", "satisfaction_rate")
    width = 0.38
    for offset, rates, colour, label in (
        (-width / 2, previous, _COLOURS["last"], t.CHART_LAST_WEEK),
        (width / 2, current, _COLOURS["this"], t.CHART_THIS_WEEK),
    ):
        values = [getattr(rates, f) for f in fields]
        small = [0 < rates.basis(f)[1] < min_sample for f in fields]
        heights = [v * 100 if v is not None else 0 for v in values]
        bars = axes.bar([i + offset for i in range(3)], heights, width=width, color=colour,
                        label=label)
        for bar, is_small in zip(bars, small, strict=True):
            if is_small:  # too few cases to be read as a rate: drawn hollow
                bar.set_fill(False)
                bar.set_edgecolor(colour)
                bar.set_hatch("//")
        labels = [_rate_label(rates, f, min_sample) for f in fields]
        axes.bar_label(bars, labels=labels, padding=2, fontsize=8)
    axes.set_xticks(range(3), names)
    axes.set_ylim(0, 118)
    axes.set_ylabel("%")
    axes.legend(loc="upper center", ncols=2, frameon=False)
    axes.spines[["top", "right"]].set_visible(False)


def _rate_label(rates: Rates, field: str, min_sample: int) -> str:
    """87%\n(12件), or for a small sample its counts, or 无数据 when nothing was due."""
    part, whole = rates.basis(field)
    if whole == 0:
        return t.CHART_NO_RATE
    if whole < min_sample:
        return t.CHART_SMALL_SAMPLE.format(part=part, whole=whole)
    return f"{getattr(rates, field) * 100:.0f}%\n" + t.CHART_BASIS.format(n=whole)
