"""The static checks run as tests, so the one test command (README, .ci/run) covers them too.

ruff (style and bugbear), import-linter (the layers in pyproject.toml) and mypy (strict for
nlp, reception and storage; see [tool.mypy]) each run once, from the repository root, with
this interpreter's installs. A failure shows the tool's own report.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

CHECKS = {
    "ruff": [sys.executable, "-m", "ruff", "check", "."],
    "import-linter": [sys.executable, "-c", "from importlinter.cli import lint_imports_command as c; c()"],
    # Checks the packages listed in [tool.mypy] files; a cold run takes about a minute.
    "mypy": [sys.executable, "-m", "mypy"],
}


@pytest.mark.parametrize("name", CHECKS)
def test_static_check_passes(name: str) -> None:
    done = subprocess.run(CHECKS[name], cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        pytest.fail(f"{name} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}", pytrace=False)
