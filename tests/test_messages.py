"""The command line's language (showcase/i18n.py): every message of the code is in the Chinese
catalogue, translated, compiled and faithful to its placeholders; Chinese text uses Chinese
punctuation; and build.py speaks Chinese by default, English with --lang en or an English
locale, argparse's own words included.

The catalogue is made with Babel's tools as showcase/locale/README.md says; these tests use
Babel's API the same way (babel.cfg, the same keywords), so a message added to the code and not
to the catalogue fails here, not in front of an author."""
from __future__ import annotations

import argparse
import ast
import gettext
import inspect
import re
from collections import Counter

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from conftest import REPO, SITES, run_build
from showcase import i18n
from showcase.fields import _SECTIONS, REFERENCE
from showcase.progress import Progress

SHOWCASE = REPO / "showcase"
PO = SHOWCASE / "locale" / "zh_CN" / "LC_MESSAGES" / "showcase.po"
MO = PO.with_suffix(".mo")
KEYWORDS = {**DEFAULT_KEYWORDS, "_": None, "ngettext": (1, 2), "N_": None}
"""As `pybabel extract -k _ -k ngettext:1,2 -k N_` reads them (added to Babel's defaults)."""
REPORT = "content/reports/a.md"
LIST = "data/households/2024-pingan.yaml"


def code_messages() -> dict:
    """Every message the code marks, with where it is (as pybabel extract finds them)."""
    with open(REPO / "babel.cfg", encoding="utf-8") as config:
        method_map, options_map = parse_mapping_cfg(config)
    found: dict = {}
    for filename, line, message, _comments, _context in extract_from_dir(
            SHOWCASE, method_map, options_map, keywords=KEYWORDS):
        found.setdefault(message, []).append(f"showcase/{filename}:{line}")
    return found


@pytest.fixture(scope="module")
def catalogue():
    with open(PO, "rb") as file:
        return read_po(file, locale="zh_CN")


def entries(catalogue) -> list:
    return [message for message in catalogue if message.id]


def strings(message) -> list[str]:
    return list(message.string) if isinstance(message.id, tuple) else [message.string]


# (a) the catalogue holds every message of the code, translated


def test_the_catalogue_holds_every_message_of_the_code_and_no_other(catalogue):
    in_code = code_messages()
    in_catalogue = {message.id for message in entries(catalogue)}
    missing = {message: where for message, where in in_code.items() if message not in in_catalogue}
    assert not missing, "not in showcase.po (see showcase/locale/README.md): " + repr(missing)
    assert in_catalogue - set(in_code) == set(), "in showcase.po but no longer in the code"
    assert dict(catalogue.obsolete) == {}, "obsolete entries (#~) left in showcase.po"


def test_every_message_is_translated_and_none_is_fuzzy(catalogue):
    assert catalogue.plural_forms == "nplurals=1; plural=0;"
    untranslated = [m.id for m in entries(catalogue) if not all(strings(m))]
    fuzzy = [m.id for m in entries(catalogue) if m.fuzzy]
    assert untranslated == []
    assert fuzzy == []
    assert not catalogue.fuzzy  # the header: a fuzzy catalogue is not compiled


# (b) the compiled catalogue is the .po compiled


def test_the_compiled_catalogue_is_the_po_compiled(catalogue):
    with open(MO, "rb") as file:
        compiled = gettext.GNUTranslations(file)
    expected = {}
    for message in entries(catalogue):
        if isinstance(message.id, tuple):
            expected.update({(message.id[0], n): s for n, s in enumerate(message.string)})
        else:
            expected[message.id] = message.string
    assert {k: v for k, v in compiled._catalog.items() if k != ""} == expected
    assert compiled.ngettext("{count} error: nothing was written; the previous output is "
                             "unchanged",
                             "{count} errors: nothing was written; the previous output is "
                             "unchanged", 3).startswith("{count} 个错误")


# (c) placeholders


BRACES = re.compile(r"\{[^{}]*\}")
PERCENTS = re.compile(r"%(?:\([A-Za-z_]+\))?[#0 +-]?\d*(?:\.\d+)?[sdrifx%]")


def test_every_translation_keeps_the_placeholders_of_its_message(catalogue):
    wrong = []
    for message in entries(catalogue):
        english = message.id[-1] if isinstance(message.id, tuple) else message.id
        for chinese in strings(message):
            if set(BRACES.findall(chinese)) != set(BRACES.findall(english)) or \
                    Counter(PERCENTS.findall(chinese)) != Counter(PERCENTS.findall(english)):
                wrong.append((english, chinese))
    assert wrong == []


# (d) Chinese punctuation in Chinese text

CHINESE = "\u4e00-\u9fff"
CODE_LIKE = re.compile(r"“[^”]*”|'[^']*'|`[^`]*`|\{[^{}]*\}|%\([A-Za-z_]+\)[a-z]")
"""What an author types or sees as it is (quoted keys and values, `---`, placeholders): ASCII
punctuation is right there."""
HALF_WIDTH = re.compile(f"(?<=[{CHINESE}])[,:;()!?]|[,:;()!?](?=[{CHINESE}])")


def half_width_punctuation(text: str) -> list[str]:
    """Half-width , : ; ( ) ! ? touching a Chinese character outside code-like parts."""
    prose = CODE_LIKE.sub(" ", text)
    return [prose[max(0, m.start() - 8):m.end() + 8] for m in HALF_WIDTH.finditer(prose)]


def test_the_checker_finds_half_width_punctuation_only_in_prose():
    assert half_width_punctuation("文件是空的:请新建") == ["文件是空的:请新建"]
    assert half_width_punctuation("(见 docs/reference.md)") != []
    assert half_width_punctuation("（见 docs/reference.md#site-yaml）") == []
    assert half_width_punctuation("{path}:{line}: 错误：{message}") == []
    assert half_width_punctuation("应当写成“[甲, 乙]”这样的列表") == []
    assert half_width_punctuation("按 `路径:行号: 错误：说明` 的格式") == []


def test_chinese_text_uses_chinese_punctuation(catalogue):
    found = {m.id: hits for m in entries(catalogue) for s in strings(m)
             if (hits := half_width_punctuation(s))}
    assert found == {}


# where messages send authors


def test_messages_point_at_the_reference_and_its_sections_exist():
    text = "\n".join(m if isinstance(m, str) else " ".join(m) for m in code_messages())
    assert "CONTENT-FORMAT" not in text and "DESIGN.md" not in text
    reference = (REPO / REFERENCE).read_text("utf-8")
    for _start, anchor in _SECTIONS:
        assert f'<a id="{anchor[1:]}"></a>' in reference


# argparse's words


def _argparse_messages() -> set[str]:
    """Every text argparse itself looks up with gettext."""
    tree = ast.parse(inspect.getsource(argparse))
    return {arg.value for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            and node.func.id in ("_", "ngettext")
            for arg in node.args if isinstance(arg, ast.Constant) and isinstance(arg.value, str)}


def test_argparse_words_are_spelled_as_argparse_spells_them(catalogue):
    assert set(i18n.ARGPARSE_WORDS) <= _argparse_messages()
    assert {"usage: ", "options", "positional arguments", "show this help message and exit",
            "%(prog)s: error: %(message)s\n", "the following arguments are required: %s",
            "invalid choice: %(value)r (choose from %(choices)s)"} <= set(i18n.ARGPARSE_WORDS)
    assert catalogue.get("usage: ").string == "用法："


def test_a_chinese_progress_line_is_wiped_by_a_shorter_one():
    class Terminal:
        def __init__(self):
            self.text = ""

        def isatty(self):
            return True

        def write(self, text):
            self.text += text

        def flush(self):
            pass

    now = [0.0]
    terminal = Terminal()
    progress = Progress(terminal, clock=lambda: now[0])
    now[0] = 3.0
    progress.stage("正在生成搜索索引")
    progress.stage("页面")
    # two columns a Chinese character: the shorter line is padded over the longer one's columns
    assert terminal.text.endswith("\r页面 (3 s)" + " " * 12)


# (e) end to end through build.py

CASES = [
    pytest.param("bad-category", REPORT, 6,
                 ("栏目“工作简报”不是 site.yaml 里的栏目", "经验交流"),
                 ("the category '工作简报' is not one of site.yaml's categories", "经验交流"),
                 id="bad-category"),
    pytest.param("bad-region-unknown", REPORT, 5,
                 ("行政区划“湖南省/怀化市/辰溪县”不在 data/regions.yaml 里", "请把它添加到"),
                 ("the region '湖南省/怀化市/辰溪县' is not in data/regions.yaml: add it there",),
                 id="bad-region-unknown"),
    pytest.param("bad-duplicate-household", LIST, 8,
                 ("张建国家庭写了两次", f"（第一次在 {LIST}:6）", "请删除这一份"),
                 ("张建国家庭", "is listed twice", f"(first at {LIST}:6)", "delete this copy"),
                 id="bad-duplicate-household"),
]


def the_line(stderr: str, start: str) -> str:
    found = [line for line in stderr.splitlines() if line.startswith(start)]
    assert found, f"no line starting {start!r} in:\n{stderr}"
    return found[0]


@pytest.mark.parametrize("site, path, line, chinese, english", CASES)
def test_a_faulty_site_is_told_in_chinese_or_in_english(site, path, line, chinese, english):
    said = run_build("check", "--site", SITES / site, "--lang", "zh")
    assert said.returncode == 1
    message = the_line(said.stderr, f"{path}:{line}: 错误：")
    assert all(words in message for words in chinese), message
    assert "1 个错误：没有写入任何文件" in said.stderr

    said = run_build("check", "--site", SITES / site, "--lang", "en")
    assert said.returncode == 1
    message = the_line(said.stderr, f"{path}:{line}: error: ")
    assert all(words in message for words in english), message
    assert "1 error: nothing was written" in said.stderr


def test_help_is_in_chinese():
    said = run_build("--help", "--lang", "zh")
    assert said.returncode == 0
    assert said.stdout.startswith("用法：python build.py")
    assert "显示这份帮助并退出" in said.stdout and "生成网站（默认命令）" in said.stdout
    said = run_build("build", "--help", "--lang", "zh")
    assert "网站文件夹（默认：当前文件夹）" in said.stdout


def test_an_argparse_error_is_in_chinese():
    said = run_build("new", "report", "--lang", "zh")
    assert said.returncode == 2
    assert said.stderr.startswith("用法：python build.py new report")
    assert "python build.py new report：错误：缺少以下参数：title" in said.stderr
    said = run_build("new", "report", "--lang", "en")
    assert "the following arguments are required: title" in said.stderr


@pytest.mark.parametrize("locale, language", [("en_US.UTF-8", "en"), ("zh_CN.UTF-8", "zh"),
                                              ("C.UTF-8", "zh")])
def test_without_lang_the_locale_chooses(locale, language, monkeypatch):
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", locale)
    said = run_build("check", "--site", SITES / "bad-category")
    assert said.returncode == 1
    start = {"en": f"{REPORT}:6: error: the category", "zh": f"{REPORT}:6: 错误：栏目"}[language]
    the_line(said.stderr, start)
    said = run_build("--help")
    assert said.stdout.startswith({"en": "usage: ", "zh": "用法："}[language])
