"""Loading jieba the way nlp does it: no pkg_resources, the same dictionary, read in one go."""

from __future__ import annotations

import io
import marshal
import subprocess
import sys
from pathlib import Path

import jieba

import nlp  # noqa: F401  (patches jieba on import)

REPO = Path(__file__).resolve().parents[2]


def test_importing_nlp_does_not_import_pkg_resources():
    code = "import sys, nlp; print('pkg_resources' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                         text=True, check=True)
    assert out.stdout.strip() == "False"


def test_jieba_reads_its_cache_whole_with_the_same_result():
    value = ({"社区": 3, "社": 0}, 3)
    data = marshal.dumps(value)
    assert jieba.marshal is not marshal
    assert jieba.marshal.load(io.BytesIO(data)) == marshal.load(io.BytesIO(data)) == value
    buffer = io.BytesIO()
    jieba.marshal.dump(value, buffer)  # writing the cache is marshal's own
    assert buffer.getvalue() == data
