import pytest

from image_review.policy import DEFAULT_POLICY, PolicyError, load_policy


def test_no_file_gives_the_defaults():
    assert load_policy(None) == DEFAULT_POLICY


def test_a_file_replaces_the_fields_it_sets(tmp_path):
    path = tmp_path / "policy.toml"
    path.write_text('min_photos = 10\nblur_error_softness = 7\naccepted_formats = ["JPEG"]\n')
    policy = load_policy(path)
    assert policy.min_photos == 10 and policy.blur_error_softness == 7
    assert policy.accepted_formats == ("JPEG",)
    assert policy.max_pixels == DEFAULT_POLICY.max_pixels


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("min_fotos = 3\n", "unknown setting"),
        ("min_sharpness = 40\n", r"no longer used: min_sharpness \(now blur_error_softness"),
        ("soft_detail = 0.4\n", r"no longer used: soft_detail \(now blur_warning_softness"),
        ('min_photos = "8"\n', "must be a number"),
        ("min_photos = 8.5\n", "whole number"),
        ('required_views = ["top"]\n', r"required_views \(now the profile's views"),
        ("min_photos = \n", "not valid TOML"),
    ],
)
def test_bad_policy_files_are_refused(tmp_path, text, message):
    path = tmp_path / "policy.toml"
    path.write_text(text)
    with pytest.raises(PolicyError, match=message):
        load_policy(path)


def test_missing_policy_file_is_refused(tmp_path):
    with pytest.raises(PolicyError, match="cannot read"):
        load_policy(tmp_path / "nope.toml")
