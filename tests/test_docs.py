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


def test_the_requirement_is_quoted_with_its_public_source_not_a_private_file():
    assert "seed/" not in README
    assert "sellercentral.amazon.com/gp/help/external/201648580" in README
    assert all("seed" not in rule.source for rule in RULES.values())


def test_every_command_that_needs_the_dev_datasets_says_so():
    blocks = README.split("```")[1::2]
    for block in blocks:
        if "../shared/datasets" in block:
            assert "needs ../shared/datasets" in block, block
    for line in README.splitlines():
        if "`python benchmarks/" in line and "../shared/datasets" in line:
            following = README[README.index(line) : README.index(line) + len(line) + 80]
            assert "needs the" in following, line
