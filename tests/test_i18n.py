"""The message catalogs: complete, faithful to their placeholders, compiled, and used."""

from __future__ import annotations

import json
import re
import string

import pytest
import update_catalogs
from babel.messages.pofile import read_po
from click.testing import CliRunner

from image_review.cli import cli
from image_review.i18n import CATALOGS, _, language, language_from_environment
from image_review.report import render_report
from image_review.review import review

FIELD = re.compile(r"\{[^{}]*\}")


def _catalog(lang: str):
    with update_catalogs.po_path(CATALOGS[lang]).open("rb") as handle:
        return read_po(handle)


def _forms(text) -> list[str]:
    return list(text) if isinstance(text, (list, tuple)) else [text]


@pytest.mark.parametrize("lang", CATALOGS)
def test_every_message_of_the_code_has_a_translation(lang):
    catalog = _catalog(lang)
    translated = {
        m.id if isinstance(m.id, str) else m.id[0]: m
        for m in catalog
        if m.id and all(_forms(m.string)) and not m.fuzzy
    }
    in_code = [
        m.id if isinstance(m.id, str) else m.id[0] for m in update_catalogs.extract() if m.id
    ]
    missing = [message for message in in_code if message not in translated]
    assert not missing, f"{len(missing)} untranslated in {lang}, first: {missing[:3]}"


@pytest.mark.parametrize("lang", CATALOGS)
def test_no_translation_drops_or_invents_a_placeholder(lang):
    for message in _catalog(lang):
        if not message.id:
            continue
        wanted = sorted(FIELD.findall(_forms(message.id)[-1]))
        for form in _forms(message.string):
            assert sorted(FIELD.findall(form)) == wanted, (message.id, form)


def _sample(field: str) -> object:
    """A value a placeholder accepts: a number where its format asks for one."""
    _, _, spec = field.strip("{}").partition(":")
    return 0.5 if spec else "x"


@pytest.mark.parametrize("lang", CATALOGS)
def test_every_translation_formats_with_its_placeholders(lang):
    for message in _catalog(lang):
        for form in _forms(message.string) if message.id else []:
            names = {f for _, f, _, _ in string.Formatter().parse(form) if f}
            fields = {f.strip("{}").split(":")[0].split("!")[0]: f for f in FIELD.findall(form)}
            form.format(**{name: _sample(fields[name]) for name in names})


def test_the_compiled_catalogs_are_up_to_date_with_the_code_and_the_po_files():
    assert update_catalogs.main(check=True) == 0, "run python scripts/update_catalogs.py"


@pytest.mark.parametrize(
    ("environ", "lang"),
    [
        ({"LANG": "zh_CN.UTF-8"}, "zh-hans"),
        ({"LANG": "zh_SG.UTF-8"}, "zh-hans"),
        ({"LANG": "zh_TW.UTF-8"}, "zh-hant"),
        ({"LC_ALL": "zh_HK.UTF-8", "LANG": "en_US.UTF-8"}, "zh-hant"),
        ({"LANGUAGE": "zh_Hant:en", "LANG": "zh_CN.UTF-8"}, "zh-hant"),
        ({"LANG": "en_GB.UTF-8"}, "en"),
        ({"LANG": "C.UTF-8"}, "en"),
        ({}, "en"),
    ],
)
def test_the_language_comes_from_the_locale(environ, lang):
    assert language_from_environment(environ) == lang


def test_a_review_in_traditional_chinese_keeps_codes_and_numbers(example):
    folder = example("missing-views")
    runner = CliRunner()
    english = json.loads(runner.invoke(cli, [str(folder), "--out", "-"]).stdout)
    result = runner.invoke(cli, [str(folder), "--out", "-", "--lang", "zh-hant"])
    chinese = json.loads(result.stdout)
    assert chinese["lang"] == "zh-hant" and english["lang"] == "en"
    for key in ("verdict", "summary"):
        assert chinese[key] == english[key]
    codes = [(f["code"], f.get("value"), f.get("limit")) for f in chinese["findings"]]
    assert codes == [(f["code"], f.get("value"), f.get("limit")) for f in english["findings"]]
    with language("zh-hant"):
        result = review(example("corrupt"))  # file-prefixed messages: empty, unreadable, ...
    prefixed = [f for f in result.all_findings() if f.file and f.message.startswith(f.file)]
    assert prefixed and all(not f.advice.startswith(f.file) for f in prefixed)
    messages = " ".join(f["message"] for f in chinese["findings"])
    assert "右側：沒有照片；拍攝商品右側" in messages
    assert "右侧" not in messages  # traditional, not simplified
    text = runner.invoke(cli, [str(folder), "--lang", "zh-hant", "--out", "-", "--format", "text"])
    assert "未通過" in text.stderr and "下一步" in text.stderr


def test_the_report_and_the_init_template_follow_the_language(example, tmp_path):
    folder = example("blurry")
    with language("zh-hans"):
        page = render_report(review(folder, previews=True))
        assert _("Copies") == "重复的照片"
    assert '<html lang="zh-Hans">' in page
    assert "估计模糊" in page and "外箱" in page
    result = CliRunner().invoke(cli, ["init", str(folder), "--lang", "zh-hans"])
    assert result.exit_code == 0
    template = (folder / "submission.toml").read_text("utf-8")
    assert "所有键都可省略" in template and "[views]" in template


def test_an_unknown_language_is_a_usage_error(example):
    result = CliRunner().invoke(cli, [str(example("complete-phone")), "--lang", "fr"])
    assert result.exit_code == 2 and "'fr' is not one of" in result.output


def test_no_message_is_hidden_from_extraction_inside_an_f_string():
    """Babel reads `_("...")` calls, not those inside an f-string's braces: such a message
    would never reach the catalogs and would show in English."""
    import io
    import tokenize

    hidden = []
    for path in sorted(update_catalogs.PACKAGE.rglob("*.py")):
        tokens = tokenize.generate_tokens(io.StringIO(path.read_text("utf-8")).readline)
        for token in tokens:
            inside_f_string = token.type == tokenize.STRING and token.string[:2].lower() in (
                'f"',
                "f'",
                "rf",
                "fr",
            )
            if inside_f_string and re.search(r"\b_\(|ngettext\(", token.string):
                hidden.append(f"{path.name}:{token.start[0]}")
    assert not hidden, hidden
