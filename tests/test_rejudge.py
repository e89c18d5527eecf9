"""Re-judging a manifest without decoding equals a fresh review with the same options."""

from __future__ import annotations

import dataclasses
import json

import pytest
from click.testing import CliRunner
from conftest import copy_example

from image_review import rejudge as rejudge_module
from image_review.cli import cli
from image_review.manifest import dumps, write_manifest
from image_review.policy import load_policy
from image_review.rejudge import ManifestError, rejudge
from image_review.review import review
from image_review.views import load_profile

STRICTER = {
    "blur_error_softness": 3.0,
    "blur_warning_softness": 2.5,
    "duplicate_tile_limit": 0.05,
    "min_photos": 9,
}


@pytest.mark.parametrize(
    ("name", "profile_name", "changes", "screen"),
    [
        ("complete-phone", "renewed", STRICTER, "auto"),
        ("duplicate", "renewed", {"duplicate_tile_limit": 0.01}, "auto"),
        ("corrupt", "renewed-au", {"max_file_bytes": 20_000}, "yes"),
        ("sidecar", "renewed-au", {"max_pixels": 700_000}, "auto"),
        ("au-phone", "renewed-au", {}, "no"),
        ("blurry", "renewed", {"blur_error_softness": 30.0, "blur_warning_softness": 40.0}, "auto"),
    ],
)
def test_a_rejudged_manifest_equals_a_fresh_review_with_the_same_options(
    example, tmp_path, monkeypatch, name, profile_name, changes, screen
):
    folder = example(name)
    first = tmp_path / "first.json"
    write_manifest(review(folder), first)
    profile = load_profile(profile_name)
    policy = dataclasses.replace(load_policy(None, profile), **changes)
    fresh = dumps(review(folder, policy, screen=screen, profile=profile), strict=True)

    def no_decoding(*args, **kwargs):
        raise AssertionError("a re-judge must not decode")

    monkeypatch.setattr("image_review.review.decode", no_decoding)
    again = dumps(rejudge(first, policy, profile, screen), strict=True)
    assert again == fresh
    assert rejudge_module  # the module imports nothing that decodes


def test_a_stricter_policy_turns_a_pass_into_a_fail_from_the_manifest(example, tmp_path):
    folder = example("complete-phone")
    write_manifest(review(folder), tmp_path / "m.json")
    policy_file = tmp_path / "strict.toml"
    policy_file.write_text("blur_error_softness = 2.0\n")
    result = CliRunner().invoke(
        cli, ["rejudge", str(tmp_path / "m.json"), "--policy", str(policy_file), "--out", "-"]
    )
    assert result.exit_code == 1
    manifest = json.loads(result.stdout)
    assert manifest["verdict"] == "fail"
    assert {f["code"] for f in manifest["findings"]} >= {"blurry"}


def test_rejudge_writes_many_manifests_into_an_out_dir(tmp_path):
    runner = CliRunner()
    root = tmp_path / "root"
    root.mkdir()
    for name in ("complete-phone", "missing-views"):
        copy_example(f"fixtures/images/examples/{name}", root / name)
    out = tmp_path / "reviews"
    assert (
        runner.invoke(cli, ["batch", str(root), "--out-dir", str(out), "--jobs", "1"]).exit_code
        == 1
    )
    manifests = sorted(str(p) for p in out.glob("*/review-manifest.json"))
    result = runner.invoke(
        cli, ["rejudge", *manifests, "--profile", "renewed-au", "--out-dir", str(tmp_path / "au")]
    )
    assert result.exit_code == 1, result.output
    for name in ("complete-phone", "missing-views"):
        data = json.loads((tmp_path / "au" / name / "review-manifest.json").read_text("utf-8"))
        assert data["profile"]["name"] == "renewed-au" and data["verdict"] == "fail"


def test_a_photo_the_first_review_did_not_decode_is_not_judged_from_nothing(example, tmp_path):
    folder = example("complete-phone")
    small = dataclasses.replace(load_policy(), max_file_bytes=1000)
    write_manifest(review(folder, small), tmp_path / "m.json")
    with pytest.raises(ManifestError, match="was not decoded by the first review"):
        rejudge(tmp_path / "m.json", load_policy(), load_profile())
    # The same limits, or stricter ones, can be judged.
    assert rejudge(tmp_path / "m.json", small, load_profile()).verdict() == "fail"


def test_a_manifest_measured_before_the_edge_width_is_refused(example, tmp_path):
    """Judging blur without the edge width would pass a blurred photo: review again."""
    path = tmp_path / "m.json"
    write_manifest(review(example("blurry")), path)
    data = json.loads(path.read_text("utf-8"))
    for photo in data["photos"]:
        photo["measures"].pop("edge_width", None)
    path.write_text(json.dumps(data), "utf-8")
    with pytest.raises(ManifestError, match="older image-review"):
        rejudge(path, load_policy(), load_profile())


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("not json", "not valid JSON"),
        ('{"schema": "other"}', "not an image-review manifest"),
        ('{"schema": "image-review/manifest/v1", "submission": {}}', "older image-review"),
    ],
)
def test_a_file_that_is_no_current_manifest_is_refused_with_the_reason(tmp_path, text, message):
    path = tmp_path / "m.json"
    path.write_text(text)
    with pytest.raises(ManifestError, match=message):
        rejudge(path, load_policy(), load_profile())
    result = CliRunner().invoke(cli, ["rejudge", str(path), "--out", "-"])
    assert result.exit_code == 2 and message.split()[0] in result.output
    assert "Traceback" not in result.output
