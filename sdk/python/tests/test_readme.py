"""The README's Python examples run against a live server, so they cannot rot."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
EXAMPLE_URL = "http://127.0.0.1:5000"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)


def test_readme_has_examples():
    assert len(BLOCKS) >= 3


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_readme_example_runs(index, base_url, http):
    code = BLOCKS[index].replace(EXAMPLE_URL, base_url)
    assert base_url in code, "every example names the server it talks to"
    before = set(http.list_envs())
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip(), "an example shows what it did"
    assert set(http.list_envs()) == before, "examples close the environments they create"
