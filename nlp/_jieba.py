"""Import jieba, minus two costs of its 0.42.1 release (the latest) at start-up.

- It imports setuptools' pkg_resources only to open its own data files, and opens them with
  plain open() when that import fails. That import costs 0.15-0.3 s and pkg_resources is
  deprecated, so it is hidden while jieba loads (unless something imported it already).
- It reads its 9 MB prefix-dictionary cache with `marshal.load(file)`, which makes a read call
  per object (half a million of them): 0.9 s, against 0.25 s for `marshal.loads` of the whole
  file, the same value. jieba's module gets a `marshal` whose `load` does the latter.

nlp/__init__.py imports this module first.
"""

from __future__ import annotations

import marshal
import sys
from typing import BinaryIO


class _WholeFileMarshal:
    """The marshal module, except that `load` reads the file in one call."""

    dump = staticmethod(marshal.dump)
    dumps = staticmethod(marshal.dumps)
    loads = staticmethod(marshal.loads)
    version = marshal.version

    @staticmethod
    def load(file: BinaryIO) -> object:
        return marshal.loads(file.read())


def import_jieba() -> None:
    """Import jieba (falling back to open() for its data files) and speed up its cache load."""
    if "jieba" not in sys.modules and "pkg_resources" not in sys.modules:
        sys.modules["pkg_resources"] = None  # type: ignore[assignment]  # import now raises
        try:
            import jieba
        finally:
            del sys.modules["pkg_resources"]
    import jieba

    if getattr(jieba, "marshal", None) is marshal:  # as in 0.42.1; a later jieba is left alone
        jieba.marshal = _WholeFileMarshal


import_jieba()
