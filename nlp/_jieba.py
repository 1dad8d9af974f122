"""Import jieba without setuptools' pkg_resources.

jieba 0.42.1 (its latest release) imports pkg_resources only to open its own data files, and
opens them with plain open() when that import fails. Importing pkg_resources costs 0.15-0.3 s
of the bot's cold start and is deprecated by setuptools, so it is hidden while jieba loads —
unless something imported it already, in which case nothing changes. nlp/__init__.py imports
this module first.
"""

from __future__ import annotations

import sys


def import_jieba() -> None:
    """Import jieba once, letting it fall back to open() for its data files."""
    if "jieba" in sys.modules or "pkg_resources" in sys.modules:
        return
    sys.modules["pkg_resources"] = None  # type: ignore[assignment]  # import now raises
    try:
        import jieba  # noqa: F401
    finally:
        del sys.modules["pkg_resources"]


import_jieba()
