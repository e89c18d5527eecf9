import json
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner
from conftest import EXAMPLES, copy_example, manifest_times

from image_review.batch import BatchError, find_submissions, review_batch
from image_review.cli import cli


@pytest.fixture
def root(tmp_path):
    """Four submissions: two pass, one fails, one has a broken sidecar."""
    base = tmp_path / "in"
    for name in ("complete-phone", "heic", "missing-views"):
        copy_example(EXAMPLES / name, base / name)
    copy_example(EXAMPLES / "complete-phone", base / "broken")
    (base / "broken" / "submission.toml").write_text("[views\n")
    (base / ".hidden").mkdir()
    return base


def read_rows(out):
    return [json.loads(line) for line in (out / "summary.jsonl").read_text("utf-8").splitlines()]


def test_find_submissions(root, tmp_path):
    assert [name for name, _ in find_submissions(root)] == [
        "broken",
        "complete-phone",
        "heic",
        "missing-views",
    ]
    single = find_submissions(EXAMPLES / "complete-phone")
    assert [name for name, _ in single] == ["complete-phone"]
    with pytest.raises(BatchError):
        find_submissions(tmp_path / "nope")


def test_a_zip_archive_beside_the_folders_gets_a_row_that_says_to_unzip_it(root, tmp_path):
    shutil.make_archive(str(root / "seller-7"), "zip", EXAMPLES / "complete-phone")
    out = tmp_path / "out"
    counts = review_batch(root, out, jobs=1)
    assert counts.errors == 2  # the broken sidecar and the archive
    archive = next(r for r in read_rows(out) if r["submission"] == "seller-7.zip")
    assert archive["verdict"] == "error" and "unzip it" in archive["reason"]
    photos_and_an_archive = tmp_path / "one"
    copy_example(EXAMPLES / "complete-phone", photos_and_an_archive)
    shutil.copy(root / "seller-7.zip", photos_and_an_archive)
    assert [n for n, _ in find_submissions(photos_and_an_archive)] == ["one"]


def test_photos_at_the_top_of_root_are_named_as_left_out(tmp_path):
    """A photo saved beside the submission folders is in none of them: the batch left it
    out without a word."""
    base = tmp_path / "in"
    copy_example(EXAMPLES / "complete-phone", base / "seller-1")
    shutil.copy(EXAMPLES / "complete-phone" / "06_back.jpg", base / "IMG_4036.JPG")
    (base / "notes.txt").write_text("not a photo")
    result = CliRunner().invoke(cli, ["batch", str(base), "--out-dir", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "Not reviewed: 1 photo at the top of" in result.stderr
    assert "(IMG_4036.JPG)" in result.stderr and "notes.txt" not in result.stderr
    alone = CliRunner().invoke(
        cli, ["batch", str(base / "seller-1"), "--out-dir", str(tmp_path / "out2")]
    )
    assert "Not reviewed" not in alone.stderr  # photos of a ROOT without folders are reviewed


def test_batch_writes_manifests_and_sorted_summaries(root, tmp_path):
    out = tmp_path / "out"
    counts = review_batch(root, out, jobs=2)
    assert (counts.passed, counts.failed, counts.errors) == (2, 1, 1)
    rows = read_rows(out)
    assert [r["submission"] for r in rows] == ["broken", "complete-phone", "heic", "missing-views"]
    broken, complete, heic, missing = rows
    assert broken["verdict"] == "error" and "submission.toml" in broken["reason"]
    assert complete == {
        "submission": "complete-phone",
        "verdict": "pass",
        "photos": 9,
        "missing_views": "",
        "errors": 0,
        "warnings": 0,
        "screen_on": "pass",
        "reason": "",
    }
    assert heic["warnings"] == 9 and missing["missing_views"] == "bottom;right"
    manifest = json.loads((out / "heic" / "review-manifest.json").read_text("utf-8"))
    assert manifest["verdict"] == "pass"
    csv_bytes = (out / "summary.csv").read_bytes()
    assert csv_bytes.startswith("\ufeffsubmission,verdict".encode())
    assert not (root / "heic" / "review-manifest.json").exists()  # the input is not touched


def test_resume_skips_unchanged_and_redoes_changed(root, tmp_path):
    out = tmp_path / "out"
    review_batch(root, out, jobs=1)

    before = manifest_times(out)
    (root / "heic" / "01 Box.HEIC").unlink()
    review_batch(root, out, jobs=1, resume=True)
    after = manifest_times(out)
    assert after["complete-phone"] == before["complete-phone"]  # skipped
    assert after["heic"] != before["heic"]  # its input changed: reviewed again
    heic = next(r for r in read_rows(out) if r["submission"] == "heic")
    assert heic["verdict"] == "fail" and heic["photos"] == 8


def test_resume_reviews_again_under_another_profile_policy_or_language(root, tmp_path):
    from image_review.views import load_profile

    out = tmp_path / "out"
    review_batch(root, out, jobs=1)

    before = manifest_times(out)
    review_batch(root, out, jobs=1, resume=True)
    assert manifest_times(out) == before  # same settings: nothing to do
    au = load_profile("renewed-au")
    review_batch(root, out, jobs=1, resume=True, profile=au, lang="zh-hans")
    after = manifest_times(out)
    assert all(after[name] != before[name] for name in before)
    manifest = json.loads((out / "complete-phone" / "review-manifest.json").read_text("utf-8"))
    assert manifest["profile"]["name"] == "renewed-au" and manifest["lang"] == "zh-hans"


def test_out_dir_inside_root_is_refused(root):
    with pytest.raises(BatchError, match="must not be inside"):
        review_batch(root, root / "out")


def test_batch_command_exit_codes(root, tmp_path):
    result = CliRunner().invoke(cli, ["batch", str(root), "--out-dir", str(tmp_path / "o")])
    assert result.exit_code == 1
    assert "4 submissions: 2 pass, 1 fail, 1 error" in result.stderr
    good = tmp_path / "good"
    copy_example(EXAMPLES / "complete-phone", good / "a")
    ok = CliRunner().invoke(cli, ["batch", str(good), "--out-dir", str(tmp_path / "o2")])
    assert ok.exit_code == 0
    missing = CliRunner().invoke(cli, ["batch", str(tmp_path / "nope"), "--out-dir", "x"])
    assert missing.exit_code == 2 and "no such folder" in missing.output
    assert (
        CliRunner().invoke(cli, ["batch", str(good), "--out-dir", "o", "--jobs", "0"]).exit_code
        == 2
    )


@pytest.fixture
def twelve(tmp_path):
    """Twelve passing submissions, the output folder, and the batch command line."""
    root = tmp_path / "in"
    for i in range(12):
        copy_example(EXAMPLES / "complete-phone", root / f"s{i:02d}")
    out = tmp_path / "out"
    command = [sys.executable, "-m", "image_review", "batch", str(root), "--out-dir", str(out)]
    return out, command


def wait_for_rows(out, count: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(list(out.glob("*/summary-row.json"))) < count:
        time.sleep(0.05)


def test_killed_batch_resumes_without_losing_or_half_writing(twelve):
    out, command = twelve
    process = subprocess.Popen([*command, "--jobs", "2"], start_new_session=True)
    wait_for_rows(out, 3)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    for manifest in out.glob("*/review-manifest.json"):
        json.loads(manifest.read_text("utf-8"))  # every manifest there is complete
    finished = subprocess.run([*command, "--resume", "--jobs", "2"], capture_output=True)
    assert finished.returncode == 0, finished.stderr
    rows = read_rows(out)
    assert [r["submission"] for r in rows] == [f"s{i:02d}" for i in range(12)]
    assert all(r["verdict"] == "pass" for r in rows)
    assert not list(out.rglob(".*.tmp"))


def test_ctrl_c_stops_cleanly_and_resume_finishes(twelve):
    out, command = twelve
    process = subprocess.Popen(
        [*command, "--jobs", "2"], start_new_session=True, stderr=subprocess.PIPE, text=True
    )
    wait_for_rows(out, 1)
    os.killpg(process.pid, signal.SIGINT)  # as a terminal sends it: to the whole group
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130
    assert "Interrupted" in stderr and "Traceback" not in stderr
    assert subprocess.run([*command, "--resume"], capture_output=True).returncode == 0
    assert len(read_rows(out)) == 12


def test_library_exports_review_batch():
    import image_review

    assert image_review.review_batch is review_batch
