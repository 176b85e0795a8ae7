"""The README's two commands and CI's use of them."""

import re

from tests.conftest import REPO_ROOT


def quick_start_blocks() -> list[str]:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    section = re.search(r"^## Quick start.*?$(.*?)(?=^## )", readme, re.S | re.M)
    assert section, "README has a “Quick start” section"
    return re.findall(r"```(?:sh|bash|shell)\n(.*?)```", section.group(1), re.S)


def test_quick_start_has_exactly_two_shell_blocks():
    blocks = quick_start_blocks()
    assert len(blocks) == 2
    first, second = blocks
    assert "hailong demo" in first
    assert "pytest" in second


def test_ci_runs_the_readme_test_command_on_sqlite_and_postgresql():
    ci = (REPO_ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "README.md" in ci, ".ci/run takes the test command from the README, so the two cannot drift"
    assert "postgres" in ci.lower() and "chromium" in ci


def test_code_is_ruff_clean():
    import subprocess
    import sys
    from pathlib import Path

    ruff = Path(sys.executable).parent / "ruff"
    lint = subprocess.run(
        [ruff, "check", "src", "tests", "bench"], cwd=REPO_ROOT, capture_output=True, text=True
    )
    assert lint.returncode == 0, lint.stdout
    fmt = subprocess.run(
        [ruff, "format", "--check", "src", "tests", "bench"], cwd=REPO_ROOT, capture_output=True, text=True
    )
    assert fmt.returncode == 0, fmt.stdout
