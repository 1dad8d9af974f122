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
from reception.reports.metrics import Rates

log = logging.getLogger(__name__)

_MPLFONTS_FILE = "NotoSansCJKsc-Regular.otf"
_COLOURS = {"received": "#4C78A8", "resolved": "#59A14F", "this": "#E15759", "last": "#BAB0AC"}
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
    categories: Sequence[tuple[str, int, int]],
    current: Rates,
    previous: Rates,
) -> Path:
    """Write the weekly chart as a PNG at ``path`` and return it.

    ``categories`` holds (name, received, resolved) for this week, biggest first; the
    first ten are drawn.
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
        _rate_bars(right, current, previous)
        figure.suptitle(title, fontsize=14)
        path.parent.mkdir(parents=True, exist_ok=True)
        figure.savefig(path, format="png")
    return path


def _category_bars(axes, categories: list[tuple[str, int, int]]) -> None:
    axes.set_title(t.CHART_BY_CATEGORY)
    if not categories:
        axes.text(0.5, 0.5, t.CHART_NO_DATA, ha="center", va="center", transform=axes.transAxes)
        axes.set_axis_off()
        return
    names = [name for name, _, _ in categories][::-1]  # biggest at the top
    received = [r for _, r, _ in categories][::-1]
    resolved = [s for _, _, s in categories][::-1]
    positions = range(len(names))
    height = 0.38
    bars = axes.barh([p + height / 2 for p in positions], received, height=height,
                     color=_COLOURS["received"], label=t.CHART_RECEIVED)
    axes.bar_label(bars, padding=2, fontsize=9)
    bars = axes.barh([p - height / 2 for p in positions], resolved, height=height,
                     color=_COLOURS["resolved"], label=t.CHART_RESOLVED)
    axes.bar_label(bars, padding=2, fontsize=9)
    axes.set_yticks(list(positions), names)
    axes.xaxis.get_major_locator().set_params(integer=True)
    axes.set_xlim(0, max(received) * 1.2 + 1)
    axes.legend(loc="lower right")
    axes.spines[["top", "right"]].set_visible(False)


def _rate_bars(axes, current: Rates, previous: Rates) -> None:
    axes.set_title(t.CHART_RATES)
    names = [t.RATE_RESPONSE, t.RATE_RESOLUTION, t.RATE_SATISFACTION]
    fields = ("response_rate", "resolution_rate", "satisfaction_rate")
    width = 0.38
    for offset, rates, colour, label in (
        (-width / 2, previous, _COLOURS["last"], t.CHART_LAST_WEEK),
        (width / 2, current, _COLOURS["this"], t.CHART_THIS_WEEK),
    ):
        values = [getattr(rates, f) for f in fields]
        heights = [v * 100 if v is not None else 0 for v in values]
        bars = axes.bar([i + offset for i in range(3)], heights, width=width, color=colour,
                        label=label)
        axes.bar_label(bars, labels=[_percent(v) for v in values], padding=2, fontsize=9)
    axes.set_xticks(range(3), names)
    axes.set_ylim(0, 118)
    axes.set_ylabel("%")
    axes.legend(loc="upper center", ncols=2, frameon=False)
    axes.spines[["top", "right"]].set_visible(False)


def _percent(value: float | None) -> str:
    return t.NO_RATE if value is None else f"{value * 100:.0f}%"
