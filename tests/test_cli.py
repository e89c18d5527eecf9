import csv
import json
import os
import subprocess
import sys

from click.testing import CliRunner
from conftest import EXAMPLES, copy_example

from image_review.cli import cli
from image_review.sidecar import tomllib


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_review_is_the_default_command_and_writes_the_manifest(example):
    folder = example("complete-phone")
    result = run(str(folder))
    assert result.exit_code == 0, result.output
    assert "complete-phone: PASS" in result.output
    manifest = json.loads((folder / "review-manifest.json").read_text("utf-8"))
    assert manifest["verdict"] == "pass"
    assert run("review", str(folder)).exit_code == 0


def test_failing_submission_exits_1_and_says_what_to_do(example):
    result = run(str(example("missing-views")))
    assert result.exit_code == 1
    assert "FAIL" in result.output and "turn the product over" in result.output


def test_out_dash_prints_the_manifest_alone_on_stdout():
    result = CliRunner().invoke(cli, [str(EXAMPLES / "duplicate"), "--out", "-"])
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["summary"]["views_missing"] == ["back"]
    assert "duplicate: FAIL" in result.stderr
    assert not (EXAMPLES / "duplicate" / "review-manifest.json").exists()


def test_format_json_and_quiet(tmp_path):
    out = tmp_path / "m.json"
    result = run(str(EXAMPLES / "heic"), "--out", str(out), "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == json.loads(out.read_text("utf-8"))
    quiet = run(str(EXAMPLES / "heic"), "--out", str(out), "--quiet")
    assert quiet.exit_code == 0 and quiet.output == ""


def test_strict_turns_warnings_into_failure(tmp_path):
    out = str(tmp_path / "m.json")
    assert run(str(EXAMPLES / "heic"), "--out", out, "--strict").exit_code == 1


def test_screen_option(tmp_path):
    folder = tmp_path / "sub"
    folder.mkdir()
    for photo in (EXAMPLES / "complete-phone").iterdir():
        if "screen" not in photo.name:
            (folder / photo.name).write_bytes(photo.read_bytes())
    assert run(str(folder), "--screen", "no").exit_code == 0
    assert run(str(folder), "--screen", "yes").exit_code == 1
    assert run(str(folder), "--screen", "maybe").exit_code == 2


def test_missing_folder_is_a_one_line_error_with_exit_2(tmp_path):
    result = run(str(tmp_path / "nope"))
    assert result.exit_code == 2
    assert result.output.strip().count("\n") == 0 and "no such folder" in result.output


def test_broken_sidecar_and_policy_exit_2_naming_the_file(example, tmp_path):
    folder = example("complete-phone")
    (folder / "submission.toml").write_text("[views\n")
    result = run(str(folder))
    assert (
        result.exit_code == 2 and "submission.toml" in result.output and "line 1" in result.output
    )
    policy = tmp_path / "p.toml"
    policy.write_text("nonsense = 1\n")
    result = run(str(EXAMPLES / "heic"), "--policy", str(policy), "--out", "-")
    assert result.exit_code == 2 and "nonsense" in result.output


def test_unwritable_manifest_is_a_clear_error(tmp_path):
    result = run(str(EXAMPLES / "heic"), "--out", str(tmp_path / "no" / "dir" / "m.json"))
    assert result.exit_code == 2 and "does not exist" in result.output


def test_an_output_into_a_missing_folder_names_its_option_and_creates_nothing(tmp_path):
    for option in ("--report", "--contact-sheet"):
        target = tmp_path / "nowhere" / "file"
        result = run(str(EXAMPLES / "heic"), "--out", str(tmp_path / "m.json"), option, str(target))
        assert result.exit_code == 2
        assert f"{option} {target}: the folder {target.parent} does not exist" in result.output
        assert "manifest" not in result.output
        assert not (tmp_path / "nowhere").exists() and not (tmp_path / "m.json").exists()


def test_init_writes_a_template_that_round_trips(example):
    folder = example("subfolders")
    result = run("init", str(folder))
    assert result.exit_code == 0, result.output
    text = (folder / "submission.toml").read_text("utf-8")
    data = tomllib.loads(text)
    assert data["views"]["top"] == "top/IMG_0003.jpg"
    assert data["views"]["screen_on"] == "screen on/IMG_0009.jpg"
    assert run("init", str(folder)).exit_code == 2  # no silent overwrite
    assert run("init", str(folder), "--force").exit_code == 0
    assert run(str(folder)).exit_code == 0


def test_init_lists_photos_it_could_not_place(example):
    folder = example("sidecar")
    (folder / "submission.toml").unlink()
    assert run("init", str(folder)).exit_code == 0
    text = (folder / "submission.toml").read_text("utf-8")
    assert '#   "IMG_4031.jpg"' in text and '# shipping_box = ""' in text


def test_schema_command_prints_the_json_schema():
    result = run("schema")
    assert result.exit_code == 0
    assert json.loads(result.output)["$id"] == "image-review/manifest/v1"


def test_help_shows_examples_and_version():
    assert "Example:" in run("--help").output
    assert "Example:" in run("review", "--help").output
    assert run("--version").output.startswith("image-review, version")


def test_help_does_not_import_heavy_modules():
    code = (
        "import sys; from image_review.cli import cli\n"
        "try:\n    cli(['--help'])\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in ('cv2', 'numpy', 'PIL') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().endswith("[]")


def test_console_script_never_shows_a_traceback(tmp_path):
    env = {**os.environ, "IMAGE_REVIEW_DEBUG": ""}
    out = subprocess.run(
        [sys.executable, "-c", "from image_review.cli import main; main()", str(tmp_path / "x")],
        capture_output=True,
        text=True,
        env=env,
    )
    assert out.returncode == 2 and "Traceback" not in out.stderr


def test_terminal_says_each_problem_once_errors_first_and_the_next_step(tmp_path):
    folder = tmp_path / "phone"
    folder.mkdir()
    for number, photo in enumerate(sorted((EXAMPLES / "blurry").glob("*.jpg")), start=4031):
        (folder / f"IMG_{number}.jpg").write_bytes(photo.read_bytes())
    result = CliRunner().invoke(cli, [str(folder), "--out", str(tmp_path / "m.json")])
    lines = result.output.splitlines()
    # A missing view is a row of the shot list, not also a finding.
    assert sum("Shipping box: no photo" in line for line in lines) == 1
    [unassigned] = [line for line in lines if "unassigned" in line]
    assert "8 photos have no view: IMG_4031.jpg" in unassigned
    assert f"image-review init {folder}" in unassigned
    severities = [
        line.split()[0] for line in lines if line.startswith(("  error", "  warning", "  info"))
    ]
    assert severities == sorted(severities, key=["error", "warning", "info"].index)
    assert severities[0] == "error"  # the blurred photo, before the unassigned ones
    [next_line] = [line for line in lines if line.startswith("Next: ")]
    assert next_line.startswith(
        f"Next: tell the tool which photo shows which view: run `image-review init {folder}`"
    )
    assert "Location off" in result.output  # how to remove the GPS position


def test_a_folder_of_documents_is_told_to_hold_the_photos_themselves(tmp_path):
    """Photos pasted into a PDF or a Word file: 'photograph the 8 missing views' sent the
    seller to shoot again what they had shot."""
    folder = tmp_path / "seller"
    folder.mkdir()
    (folder / "photos.pdf").write_bytes(b"%PDF-1.4\n")
    (folder / "产品照片.docx").write_bytes(b"PK\x03\x04")
    result = CliRunner().invoke(cli, [str(folder), "--out", str(tmp_path / "m.json")])
    [next_line] = [line for line in result.output.splitlines() if line.startswith("Next: ")]
    assert "its 2 files are not photos (photos.pdf, 产品照片.docx)" in next_line
    assert "put the photos themselves in the folder" in next_line


def test_the_next_step_of_a_passing_submission_is_to_upload():
    result = CliRunner().invoke(
        cli, [str(EXAMPLES / "complete-phone"), "--out", "-", "--format", "text"]
    )
    assert "Next: it passes" in result.output


def test_init_fills_in_the_photo_with_a_lit_screen_and_that_the_product_has_one(tmp_path):
    folder = tmp_path / "phone"
    folder.mkdir()
    for number, photo in enumerate(sorted((EXAMPLES / "complete-phone").glob("*.jpg")), 4031):
        (folder / f"IMG_{number}.jpg").write_bytes(photo.read_bytes())
    assert run("init", str(folder)).exit_code == 0
    data = tomllib.loads((folder / "submission.toml").read_text("utf-8"))
    assert data["views"] == {"screen_on": "IMG_4039.jpg"}
    assert data["product"] == {"has_screen": True}


def test_a_batch_of_one_says_one_submission(tmp_path):
    root = tmp_path / "root"
    copy_example(EXAMPLES / "complete-phone", root / "only")
    result = run("batch", str(root), "--out-dir", str(tmp_path / "out"))
    assert "1 submission: 1 pass" in result.output


def test_the_terminal_counts_findings_as_the_manifest_and_the_batch_do(tmp_path):
    root = tmp_path / "in"
    copy_example(EXAMPLES / "blurry", root / "blurry")
    policy = tmp_path / "policy.toml"
    policy.write_text("recommended_long_side = 5000\n")  # a warning on every photo
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli, [str(root / "blurry"), "--policy", str(policy), "--out", str(tmp_path / "m.json")]
    )
    summary = json.loads((tmp_path / "m.json").read_text("utf-8"))["summary"]
    assert summary["warnings"] >= 9
    batch = CliRunner().invoke(
        cli, ["batch", str(root), "--out-dir", str(out), "--policy", str(policy)]
    )
    assert batch.exit_code == 1, batch.output
    with (out / "summary.csv").open(encoding="utf-8-sig", newline="") as handle:
        [row] = list(csv.DictReader(handle))
    [header] = [line for line in result.output.splitlines() if "To fix or check" in line]
    lines = sum(
        line.startswith(("  error", "  warning", "  info")) for line in result.output.splitlines()
    )
    assert header.startswith(f"To fix or check ({lines} lines; ")
    counted = f"in all {summary['errors']} errors and {summary['warnings']} warnings"
    assert counted in header and lines < summary["warnings"]
    assert (row["errors"], row["warnings"]) == (str(summary["errors"]), str(summary["warnings"]))


def test_ctrl_c_exits_130_with_one_line_and_no_manifest(example, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("image_review.review.review", interrupted)
    folder = example("complete-phone")
    result = run(str(folder))
    assert result.exit_code == 130
    assert "Interrupted" in result.output and "Aborted" not in result.output
    assert not (folder / "review-manifest.json").exists()


def test_a_review_reads_the_screen_networks_beside_its_imports_unless_no_screen(
    example, monkeypatch
):
    started = []
    monkeypatch.setattr(
        "image_review.measures.screen.read_networks_in_background", lambda: started.append(1)
    )
    folder = example("complete-phone")
    assert run(str(folder)).exit_code == 0
    assert run(str(folder), "--screen", "no").exit_code == 0
    assert started == [1]


def test_a_network_that_cannot_be_read_in_the_background_prints_nothing(monkeypatch):
    import threading

    from image_review.measures import screen

    def broken(name):
        raise OSError("damaged file")

    unhandled = []  # what would print a thread's traceback
    monkeypatch.setattr(threading, "excepthook", unhandled.append)
    monkeypatch.setattr(screen, "load_network", broken)
    screen.read_networks_in_background().join()
    assert unhandled == []
