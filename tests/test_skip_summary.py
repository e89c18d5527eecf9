"""The test run says in one line what it skipped and why (no `-rs` needed)."""

import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def test_a_run_names_each_skipped_test_and_why_in_one_line(tmp_path):
    (tmp_path / "test_some.py").write_text(
        "import pytest\n"
        "def test_runs(): pass\n"
        "@pytest.mark.skipif(True, reason='needs a browser: apt-get install chromium')\n"
        "def test_in_a_browser(): pass\n"
        "def test_with_data(): pytest.skip('the data is not here')\n",
        "utf-8",
    )
    env = {**os.environ, "PYTHONPATH": str(HERE)}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "skip_summary", "-q", "-p", "no:cacheprovider"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout
    lines = [line for line in result.stdout.splitlines() if line.startswith("skipped 2:")]
    assert len(lines) == 1, result.stdout
    assert "test_in_a_browser (needs a browser: apt-get install chromium)" in lines[0]
    assert "test_with_data (the data is not here)" in lines[0]
    assert "apt-get install chromium fonts-wqy-zenhei" in lines[0]
