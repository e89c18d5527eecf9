"""Shot lists as profiles: the built-in ones, profile files, and judging by a profile."""

from __future__ import annotations

import json

import jsonschema
import pytest
from click.testing import CliRunner
from conftest import copy_example

from image_review.cli import cli
from image_review.manifest import schema_text, to_dict
from image_review.policy import load_policy
from image_review.review import review
from image_review.terminal import next_step
from image_review.views import (
    BUILTIN_PROFILES,
    LANGUAGES,
    ProfileError,
    load_profile,
    parse_name,
)


@pytest.mark.parametrize("name", BUILTIN_PROFILES)
def test_no_word_names_two_views_in_a_built_in_profile(name):
    profile = load_profile(name)
    owner: dict[str, str] = {}
    for view in (*profile.views, profile.screen):
        for word in view.words:
            assert owner.setdefault(word, view.id) == view.id, (word, owner[word], view.id)
    assert not set(profile.screen_off_words) & set(owner)


@pytest.mark.parametrize("name", BUILTIN_PROFILES)
def test_every_built_in_view_has_its_label_and_how_to_in_every_language(name):
    profile = load_profile(name)
    for view in (*profile.views, profile.screen):
        assert set(view.labels) == set(LANGUAGES) == set(view.hows), view.id
        assert view.words, view.id


def test_the_two_built_in_shot_lists():
    renewed, au = load_profile("renewed"), load_profile("renewed-au")
    assert renewed.required == (
        "shipping_box", "inner_packaging", "top", "bottom", "front", "back", "left", "right"
    )  # fmt: skip
    assert au.required == (
        "shipping_box", "product_box", "inner_packaging", "top", "bottom", "front", "back",
        "left", "right", "warranty_card",
    )  # fmt: skip
    assert load_policy(None, renewed).min_photos == 8
    assert load_policy(None, au).min_photos == 10
    assert not au.is_product("warranty_card") and au.is_product("left")
    # The same words mean different views in different shot lists.
    assert parse_name("02_inner-box", renewed).view == "inner_packaging"
    assert parse_name("02_inner-box", au).view == "product_box"
    assert parse_name("保修卡", au).view == "warranty_card"
    assert parse_name("保修卡", renewed).view is None


def _au(tmp_path, without=()):
    folder = tmp_path / "au"
    copy_example("fixtures/images/examples/au-phone", folder)
    for name in without:
        (folder / name).unlink()
    return folder


def test_a_ten_view_submission_passes_both_profiles(tmp_path):
    folder = _au(tmp_path)
    for name in BUILTIN_PROFILES:
        profile = load_profile(name)
        result = review(folder, load_policy(None, profile), profile=profile)
        assert result.verdict() == "pass", (name, result.failures())


def test_without_the_inner_box_and_the_warranty_card_only_renewed_passes(tmp_path):
    folder = _au(tmp_path, without=("02_inner-box.jpg", "10_warranty-card.jpg"))
    renewed, au = load_profile("renewed"), load_profile("renewed-au")
    assert review(folder, load_policy(None, renewed), profile=renewed).verdict() == "pass"
    result = review(folder, load_policy(None, au), profile=au)
    assert result.verdict() == "fail"
    manifest = to_dict(result)
    assert manifest["summary"]["views_missing"] == ["product_box", "warranty_card"]
    messages = " ".join(r.message for r in result.requirements if r.status == "fail")
    assert "Product box, inside the shipping box: no photo" in messages
    assert "Warranty card: no photo" in messages
    step = next_step(result)  # the views to shoot, not only that the count is short
    assert step.startswith("photograph the 2 missing views")
    assert "Product box, inside the shipping box (open the shipping box" in step
    assert "Warranty card (photograph the warranty card" in step


def test_the_default_profile_names_the_missing_views_in_the_next_step_too():
    step = next_step(review("fixtures/images/examples/missing-views"))
    assert step.startswith("photograph the 2 missing views") and "Product bottom (" in step
    assert "usable distinct photo" not in step


def test_the_next_step_names_a_missing_screen_on_photo_with_the_missing_views(tmp_path):
    """The back and the screen-on photo both missing: the next step named the back alone,
    so the seller shot it and was sent back a second time for the screen."""
    folder = tmp_path / "phone"
    copy_example("fixtures/images/examples/complete-phone", folder)
    (folder / "06_back.jpg").unlink()
    (folder / "09_screen-on.jpg").unlink()
    step = next_step(review(folder, screen="yes"))
    assert step.startswith("photograph the 2 missing views")
    assert "Back side (" in step and "Screen switched on (switch the screen on" in step


PROFILE = """\
name = "kitchen-market"
title = "A marketplace for refurbished kettles"
side_views = ["spout", "handle"]

[policy]
min_photos = 3
blur_warning_softness = 6.5

[[views]]
id = "spout"
label = {{ en = "Spout side", zh-hans = "壶嘴侧" }}
how = {{ en = "photograph the spout side" }}
words = ["spout"]
words_zh = ["壶嘴"]

[[views]]
id = "handle"
label = {{ en = "Handle side" }}
how = {{ en = "photograph the handle side" }}
words = {handle_words}
min_count = 2

[screen_on]
label = {{ en = "Display on" }}
how = {{ en = "switch it on" }}
words = ["display on"]
"""


def test_a_profile_file_declares_views_words_counts_and_policy(tmp_path, example):
    path = tmp_path / "kettle.toml"
    path.write_text(PROFILE.format(handle_words='["handle"]'), encoding="utf-8")
    profile = load_profile(path)
    assert profile.required == ("spout", "handle")
    assert load_policy(None, profile).blur_warning_softness == 6.5
    assert (
        parse_name("壶嘴", profile).view == "spout"
        and parse_name("side2", profile).side_number == 2
    )
    folder = example("complete-phone")
    result = review(folder, load_policy(None, profile), profile=profile)
    manifest = to_dict(result)
    jsonschema.validate(manifest, json.loads(schema_text()))
    assert manifest["profile"]["name"] == "kitchen-market"
    assert len(manifest["profile"]["sha256"]) == 64
    status = {r["id"]: r["status"] for r in manifest["requirements"]}
    assert status["view.spout"] == "fail" and status["view.handle"] == "fail"
    # A policy file given with a profile sets fields on top of the profile's.
    policy_file = tmp_path / "policy.toml"
    policy_file.write_text("min_photos = 5\n")
    assert load_policy(policy_file, profile).min_photos == 5
    assert load_policy(policy_file, profile).blur_warning_softness == 6.5


@pytest.mark.parametrize(
    ("handle_words", "message"),
    [
        ('["spout"]', "the word 'spout' names both"),
        ('["壶嘴"]', "names both"),
        ('["display on"]', "names both"),
        ("3", "words must be a list of strings"),
    ],
)
def test_a_profile_file_with_a_word_for_two_views_is_refused(tmp_path, handle_words, message):
    path = tmp_path / "kettle.toml"
    path.write_text(PROFILE.format(handle_words=handle_words), encoding="utf-8")
    with pytest.raises(ProfileError, match=message):
        load_profile(path)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "needs a name"),
        ('name = "x"\n', r"needs at least one \[\[views\]\]"),
        ('name = "x"\n[[views]]\nid = "Top"\n', "id must be lower-case"),
        ('name = "x"\n[policy]\nmin_fotos = 3\n', "unknown setting"),
        ('name = "x"\ncolour = 1\n', "unknown key"),
    ],
)
def test_broken_profile_files_name_the_problem(tmp_path, text, message):
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ProfileError, match=message):
        load_profile(path)


def test_the_cli_takes_a_profile_and_refuses_an_unknown_one(example):
    folder = example("complete-phone")
    runner = CliRunner()
    result = runner.invoke(cli, [str(folder), "--profile", "renewed-au", "--out", "-"])
    assert result.exit_code == 1
    manifest = json.loads(result.stdout)
    assert manifest["profile"]["name"] == "renewed-au"
    assert "product_box" in manifest["summary"]["views_missing"]
    result = runner.invoke(cli, [str(folder), "--profile", "renewed-uk"])
    assert result.exit_code == 2
    assert "no such built-in profile or file; built-in profiles: renewed, renewed-au" in (
        result.output
    )
    assert "Traceback" not in result.output


def test_init_writes_the_views_of_the_chosen_profile(tmp_path):
    folder = _au(tmp_path)
    result = CliRunner().invoke(cli, ["init", str(folder), "--profile", "renewed-au"])
    assert result.exit_code == 0, result.output
    text = (folder / "submission.toml").read_text("utf-8")
    assert 'warranty_card = "10_warranty-card.jpg"' in text
    assert 'product_box = "02_inner-box.jpg"' in text
