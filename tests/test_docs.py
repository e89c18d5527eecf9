from pathlib import Path

from image_review.rules import RULES

README = (Path(__file__).resolve().parent.parent / "README.md").read_text("utf-8")


def test_readme_documents_every_finding_code_with_its_severity_and_kind():
    for rule in RULES.values():
        row = f"| `{rule.code}` | {rule.severity} | {rule.kind} |"
        assert row in README, row


def test_readme_first_screen_has_the_two_commands():
    first_screen = "\n".join(README.splitlines()[:12])
    assert "image-review fixtures/images/examples/complete-phone" in first_screen
    assert "python -m pytest" in first_screen
