"""The personal-data guard (docs/reference.md#privacy): resident ID numbers, mobile numbers and
bank card numbers in any input stop the build with `path:line`, showing only a masked form; with
`privacy: mask` in site.yaml they are published masked instead, and the full number reaches no
output file. Numbers the site publishes on purpose (`contact`, `privacy_allow`) are left alone.

ID and card numbers are computed here (ISO 7064 MOD 11-2 and Luhn written out independently of
showcase.privacy), never hand-typed; the fixture sites hold literal numbers, and
test_the_fixture_numbers_are_personal_data_by_the_rules proves they are the real thing.

tests/sites/privacy-*/ are copies of tests/sites/minimal with one change each (see the tests that
use them); the variants for every other input are made from minimal in a temporary folder.
"""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from conftest import SITES, snapshot
from conftest import run_build as run
from showcase.config import SiteConfig
from showcase.errors import Problems
from showcase.load import SourceText
from showcase.privacy import (BANK_CARD, MASK, MOBILE, RESIDENT_ID, find_personal_data, guard,
                              guard_file_name, is_resident_id, mask_personal_data, passes_luhn,
                              unmask_stars)
from test_errors import Previous, previous, problem_at, problems  # noqa: F401 (a fixture)

MINIMAL = SITES / "minimal"
REPORT = "content/reports/longtan.md"
LIST = "data/households/2024-xupu-pingan.yaml"


# --- numbers, computed ----------------------------------------------------------------------------

def id_check_digit(first17: str) -> str:
    """ISO 7064 MOD 11-2: weights 2^(17-i) mod 11, check (12 - sum mod 11) mod 11, 10 is X."""
    total = sum(int(d) * pow(2, 17 - i, 11) for i, d in enumerate(first17))
    check = (12 - total % 11) % 11
    return "X" if check == 10 else str(check)


def resident_id(birth: str = "19850312", area: str = "431224", order: str = "123") -> str:
    """An 18-digit resident ID number with a right check digit."""
    first17 = area + birth + order
    return first17 + id_check_digit(first17)


def resident_id_ending_in_x(birth: str = "19790615", area: str = "431224") -> str:
    return next(n for n in (resident_id(birth, area, f"{o:03}") for o in range(1000))
                if n.endswith("X"))


def luhn_ok(number: str) -> bool:
    """Luhn: double every second digit from the right, add the digits; a multiple of 10."""
    total = sum(d if i % 2 == 0 else sum(divmod(2 * d, 10))
                for i, d in enumerate(int(c) for c in reversed(number)))
    return total % 10 == 0


def bank_card(prefix: str = "622202", length: int = 16) -> str:
    """A card number of `length` digits passing Luhn (the last digit is the check digit)."""
    body = (prefix + "1234567890123456789")[:length - 1]
    return next(body + c for c in "0123456789" if luhn_ok(body + c))


def failing_luhn(number: str) -> str:
    """`number` with its last digit changed, if need be, so that it fails Luhn."""
    return next(number[:-1] + c for c in number[-1] + "0123456789"
                if not luhn_ok(number[:-1] + c))


def grouped(number: str, separator: str = " ") -> str:
    """6222021234567894 -> 6222 0212 3456 7894 (as printed on the card)."""
    return separator.join(number[i:i + 4] for i in range(0, len(number), 4))


def only_digits(text: str) -> str:
    return re.sub(r"[^0-9Xx]", "", text)


ID_18 = resident_id("19850312")
ID_X = resident_id_ending_in_x()
ID_LEAP_DAY = resident_id("20000229", area="110105", order="042")
ID_1949 = resident_id("19491001", area="430102", order="001")
ID_15 = "431224" + "850312" + "123"  # old form: no check digit, only a real date (19850312)
CARD_16 = bank_card("622202", 16)
CARD_19 = bank_card("622848", 19)
CARD_13 = bank_card("401288", 13)
MOBILE_NUMBER = "13812345678"


def masked_id(number: str) -> str:
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


def masked_card(number: str) -> str:
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


# --- the helpers themselves are right -------------------------------------------------------------

def test_the_number_helpers_agree_with_published_examples():
    assert id_check_digit("11010519491231002") == "X"  # the example of GB 11643-1999
    assert luhn_ok("79927398713") and not luhn_ok("79927398710")  # the classic Luhn example
    assert luhn_ok("4111111111111111")
    assert ID_X.endswith("X") and len(ID_18) == len(ID_X) == 18
    assert all(luhn_ok(c) for c in (CARD_13, CARD_16, CARD_19))
    assert [len(c) for c in (CARD_13, CARD_16, CARD_19)] == [13, 16, 19]


# --- find_personal_data: what it catches ----------------------------------------------------------

def catch(text: str, written: str, kind: str, masked: str, name: str):
    """`text` holds one piece of personal data, written as `written` (the span found)."""
    return pytest.param(text, written, kind, masked, id=name)


MOBILE_MASKED = "138****5678"

CATCHES = [
    # resident ID numbers, 18 digits
    catch(ID_18, ID_18, RESIDENT_ID, masked_id(ID_18), "id-plain"),
    catch(f"身份证号：{ID_18}。", ID_18, RESIDENT_ID, masked_id(ID_18), "id-full-width-context"),
    catch(f"户主{ID_18}家住龙潭村", ID_18, RESIDENT_ID, masked_id(ID_18), "id-glued-chinese"),
    catch(ID_X, ID_X, RESIDENT_ID, masked_id(ID_X), "id-check-x"),
    catch(f"证号{ID_X.lower()},", ID_X.lower(), RESIDENT_ID, masked_id(ID_X), "id-check-lower-x"),
    catch(ID_LEAP_DAY, ID_LEAP_DAY, RESIDENT_ID, masked_id(ID_LEAP_DAY), "id-born-leap-day"),
    catch(f"({ID_1949})", ID_1949, RESIDENT_ID, masked_id(ID_1949), "id-in-brackets"),
    # resident ID numbers, old 15-digit form
    catch(ID_15, ID_15, RESIDENT_ID, masked_id(ID_15), "id15-plain"),
    catch(f"老身份证{ID_15}号", ID_15, RESIDENT_ID, masked_id(ID_15), "id15-glued-chinese"),
    # mobile numbers
    catch(MOBILE_NUMBER, MOBILE_NUMBER, MOBILE, MOBILE_MASKED, "mobile-plain"),
    catch("手机：13812345678。", MOBILE_NUMBER, MOBILE, MOBILE_MASKED, "mobile-full-width-context"),
    catch("联系电话13812345678张先生", MOBILE_NUMBER, MOBILE, MOBILE_MASKED, "mobile-glued-chinese"),
    catch("138 1234 5678", "138 1234 5678", MOBILE, MOBILE_MASKED, "mobile-spaces"),
    catch("电话138-1234-5678", "138-1234-5678", MOBILE, MOBILE_MASKED, "mobile-hyphens"),
    catch("+8613812345678", "+8613812345678", MOBILE, MOBILE_MASKED, "mobile-plus86"),
    catch("+86 138 1234 5678", "+86 138 1234 5678", MOBILE, MOBILE_MASKED, "mobile-plus86-spaces"),
    catch("+86-138-1234-5678", "+86-138-1234-5678", MOBILE, MOBILE_MASKED,
          "mobile-plus86-hyphens"),
    catch("0086 13812345678", "0086 13812345678", MOBILE, MOBILE_MASKED, "mobile-0086"),
    catch("拨打0086-138-1234-5678", "0086-138-1234-5678", MOBILE, MOBILE_MASKED,
          "mobile-0086-hyphens"),
    catch("(+86)13812345678", "(+86)13812345678", MOBILE, MOBILE_MASKED, "mobile-bracketed-86"),
    catch("(86) 138-1234-5678", "(86) 138-1234-5678", MOBILE, MOBILE_MASKED,
          "mobile-bracketed-86-no-plus"),
    catch("| 张三 | 15012345678 |", "15012345678", MOBILE, "150****5678", "mobile-in-table"),
    catch("**19912345678**", "19912345678", MOBILE, "199****5678", "mobile-bold-199"),
    catch("[拨打](tel:17712345678)", "17712345678", MOBILE, "177****5678", "mobile-tel-link-177"),
    catch("head: 张建国 16612345678", "16612345678", MOBILE, "166****5678", "mobile-yaml-166"),
    catch("14712345678;", "14712345678", MOBILE, "147****5678", "mobile-147"),
    # bank card numbers
    catch(CARD_16, CARD_16, BANK_CARD, masked_card(CARD_16), "card16-plain"),
    catch(CARD_19, CARD_19, BANK_CARD, masked_card(CARD_19), "card19-plain"),
    catch(CARD_13, CARD_13, BANK_CARD, masked_card(CARD_13), "card13-plain"),
    catch(f"卡号{CARD_16}。", CARD_16, BANK_CARD, masked_card(CARD_16), "card16-glued-chinese"),
    catch(f"账户：{grouped(CARD_16)}，", grouped(CARD_16), BANK_CARD, masked_card(CARD_16),
          "card16-spaces"),
    catch(grouped(CARD_16, "-"), grouped(CARD_16, "-"), BANK_CARD, masked_card(CARD_16),
          "card16-hyphens"),
    catch(f"汇至 {grouped(CARD_19)} 户名", grouped(CARD_19), BANK_CARD, masked_card(CARD_19),
          "card19-groups-4-4-4-4-3"),
    catch(f'story: "开户行 {grouped(CARD_13)}"', grouped(CARD_13), BANK_CARD,
          masked_card(CARD_13), "card13-groups-4-4-4-1"),
]


@pytest.mark.parametrize("text, written, kind, masked", CATCHES)
def test_personal_data_is_found(text, written, kind, masked):
    (finding,) = find_personal_data(text)
    assert (finding.kind, text[finding.start:finding.end], finding.masked) == \
        (kind, written, masked)


def test_several_findings_come_in_order_of_place():
    text = f"卡 {CARD_16}，证 {ID_18}，手机 {MOBILE_NUMBER}，老证 {ID_15}"
    assert [(f.kind, text[f.start:f.end]) for f in find_personal_data(text)] == [
        (BANK_CARD, CARD_16), (RESIDENT_ID, ID_18), (MOBILE, MOBILE_NUMBER), (RESIDENT_ID, ID_15)]


# --- find_personal_data: what it leaves alone -----------------------------------------------------

WRONG_CHECK_ID = next(ID_18[:17] + c for c in "0123456789"
                      if c != ID_18[17] and not luhn_ok(ID_18[:17] + c))
IMPOSSIBLE_DATE_ID = failing_luhn("431224" + "19850230" + "1234")  # 30 February
IMPOSSIBLE_DATE_ID_15 = failing_luhn("431224" + "850230" + "123")
LONG_SERIAL = failing_luhn("20241220000000001")

NON_CATCHES = {
    # dates
    "date-iso": "2024-12-20",
    "date-compact": "20241220",
    "date-chinese": "2024年12月20日",
    "date-dotted-with-time": "2024.12.20 10:30",
    # document numbers and filings
    "document-number": "溆平安办〔2024〕12号",
    "document-number-bare": "〔2024〕128号",
    "icp-filing": "湘ICP备00000000号-1",
    "police-filing": "湘公网安备 43122402000000号",
    "site-code": "4312240001",
    # office and service numbers
    "office-hyphen": "0745-3221234",
    "office-space": "0745 3221234",
    "office-beijing": "010-12345678",
    "office-bracketed": "(0745)3221234",
    "office-extension": "0745-3221234-8001",
    "service-400": "400-810-8888",
    "hotline-12338": "妇女维权热线12338",
    "police-110": "110",
    "hotline-12345": "12345",
    # statistics
    "households": "1100户",
    "ten-thousands": "31.2万户",
    "cases": "3126起",
    "percent": "98.2%",
    "thousands-separators": "1,234,567,890,123人次",
    "postal-code": "邮编419300",
    # near misses of an ID number
    "id-wrong-check-digit": WRONG_CHECK_ID,
    "id-impossible-date": IMPOSSIBLE_DATE_ID,
    "id15-impossible-date": IMPOSSIBLE_DATE_ID_15,
    # near misses of a mobile number
    "mobile-12-digits": "138123456789",
    "mobile-10-digits": "1381234567",
    "mobile-prefix-12": "12812345678",
    "mobile-prefix-10": "10012345678",
    "mobile-groups-4-4-3": "1381-2345-678",
    # the edge rule (_EDGE_BEFORE/_EDGE_AFTER): a number glued to ASCII letters or digits is
    # part of a longer code, not a number of its own
    "letters-before": "ABC13812345678",
    "letters-after": "13812345678abc",
    "code-with-letters": f"HN{CARD_16}A",
    # lists, serials, addresses
    "years-list": "2019、2020、2021、2022、2023年",
    "year-range": "2010-2013年",
    "long-serial-failing-luhn": f"编号 {LONG_SERIAL}",
    "isbn": "ISBN 978-7-01-012345-6",
    "url": "https://www.gov.cn/zhengce/content/202412/content_6993123.htm",
    "ip-address": "192.168.100.200",
    "version": "v13.8.1234",
    "chinese-numerals": "一三八一二三四五六七八",
    "decimal": "3.1415926",
}


@pytest.mark.parametrize("text", NON_CATCHES.values(), ids=NON_CATCHES.keys())
def test_numbers_that_are_not_personal_data_are_left_alone(text):
    assert find_personal_data(text) == []


def test_the_near_misses_really_fail_the_rules():
    """So the non-catches above test the rule, not an accident of the helpers."""
    assert WRONG_CHECK_ID != ID_18 and not is_resident_id(WRONG_CHECK_ID)
    for number in (WRONG_CHECK_ID, IMPOSSIBLE_DATE_ID, IMPOSSIBLE_DATE_ID_15, LONG_SERIAL):
        assert not luhn_ok(number), number
    assert not is_resident_id(IMPOSSIBLE_DATE_ID) and not is_resident_id(IMPOSSIBLE_DATE_ID_15)


# --- the checks behind the rules ------------------------------------------------------------------

@pytest.mark.parametrize("number, valid", [
    (ID_18, True), (ID_X, True), (ID_X.lower(), True), (ID_LEAP_DAY, True), (ID_1949, True),
    (ID_15, True), (WRONG_CHECK_ID, False), (IMPOSSIBLE_DATE_ID, False),
    (IMPOSSIBLE_DATE_ID_15, False),
    (resident_id("19850229")[:17] + "0", False),  # 1985 was no leap year (any check digit)
    (ID_18[:17], False), (ID_18 + "1", False), (ID_15[:14], False),
    (ID_18[:6] + "A" + ID_18[7:], False), ("", False),
], ids=lambda v: v if isinstance(v, str) else None)
def test_is_resident_id(number, valid):
    assert is_resident_id(number) is valid


def test_a_leap_day_needs_a_leap_year():
    assert is_resident_id(resident_id("20000229"))
    assert not any(is_resident_id(resident_id("19850229")[:17] + c) for c in "0123456789X")


@pytest.mark.parametrize("number", ["79927398713", "4111111111111111", "0", CARD_13, CARD_16,
                                    CARD_19, bank_card("955880", 19)])
def test_luhn_accepts_valid_numbers(number):
    assert passes_luhn(number)


@pytest.mark.parametrize("number", ["79927398710", "4111111111111112", LONG_SERIAL,
                                    failing_luhn(CARD_16), failing_luhn(CARD_19)])
def test_luhn_refuses_invalid_numbers(number):
    assert not passes_luhn(number)


@pytest.mark.parametrize("text, masked", [
    ("13812345678", "138****5678"),
    ("+86 139-8765-4321", "139****4321"),   # the country code is not shown
    ("(+86)150 0000 1111", "150****1111"),
    (ID_18, ID_18[:6] + "********" + ID_18[-4:]),
    (ID_X.lower(), ID_X[:6] + "********" + ID_X[-4:]),  # shown as the standard capital X
    (ID_15, ID_15[:6] + "*****" + ID_15[-4:]),
    (CARD_13, CARD_13[:4] + "*****" + CARD_13[-4:]),
    (grouped(CARD_16, "-"), CARD_16[:4] + "********" + CARD_16[-4:]),
    (CARD_19, CARD_19[:4] + "***********" + CARD_19[-4:]),
])
def test_masked_forms(text, masked):
    (finding,) = find_personal_data(text)
    assert finding.masked == masked


# --- numbers published on purpose -----------------------------------------------------------------

def test_allowed_numbers_are_not_personal_data():
    allowed = SiteConfig(title="t", contact="0745-3221234",
                         privacy_allow=("150 1234 5678", CARD_16)).allowed_numbers()
    assert allowed == {"07453221234", "15012345678", CARD_16}
    text = f"值班手机 150-1234-5678，账户 {grouped(CARD_16)}，另 {MOBILE_NUMBER}"
    assert [text[f.start:f.end] for f in find_personal_data(text, allowed)] == [MOBILE_NUMBER]


def test_a_mobile_as_contact_is_allowed_however_it_is_spaced():
    allowed = SiteConfig(title="t", contact="137 1234 5678").allowed_numbers()
    assert find_personal_data("13712345678 或 137-1234-5678", allowed) == []


def test_a_contact_with_an_office_number_and_a_mobile_allows_the_mobile():
    allowed = SiteConfig(title="t", contact="0745-3221234、13812345678").allowed_numbers()
    assert find_personal_data("联系方式：0745-3221234、13812345678", allowed) == []


@pytest.mark.parametrize("listed, written", [("13812345678", "+86 138 1234 5678"),
                                             ("+86 13812345678", "13812345678")])
def test_an_allowed_mobile_is_allowed_with_or_without_country_code(listed, written):
    allowed = SiteConfig(title="t", privacy_allow=(listed,)).allowed_numbers()
    assert find_personal_data(written, allowed) == []


def test_an_allowed_id_number_ending_in_x_is_allowed():
    allowed = SiteConfig(title="t", privacy_allow=(ID_X,)).allowed_numbers()
    assert find_personal_data(ID_X, allowed) == []


# --- bugs of the rules themselves -----------------------------------------------------------------

def test_five_years_in_a_row_are_no_bank_card():
    assert luhn_ok("2015201620172018")  # the first four years alone would be a card
    assert find_personal_data("2015 2016 2017 2018 2019年连续五年获评") == []


@pytest.mark.parametrize("number", [MOBILE_NUMBER, ID_18], ids=["mobile", "id"])
def test_full_width_digits_are_personal_data_too(number):
    full_width = number.translate({ord(c): ord(c) - ord("0") + ord("０") for c in "0123456789"})
    assert len(find_personal_data(f"电话：{full_width}")) == 1


def test_full_width_card_numbers_are_found():
    full_width = CARD_16.translate({ord(c): ord(c) - ord("0") + ord("０") for c in "0123456789"})
    assert [f.kind for f in find_personal_data(full_width)] == [BANK_CARD]


# --- guard: one file, block or mask ---------------------------------------------------------------

STORY = "\n".join([
    "list:",                                          # 1
    "  title: 2024年度示范户名单",                      # 2
    "households:",                                    # 3
    "  - name: 张建国家庭",                              # 4
    "    story: |",                                   # 5
    "      张建国一家三代同堂。",                          # 6
    f"      电话 {MOBILE_NUMBER},身份证 {ID_18}。",       # 7
    "      热心公益。",                                  # 8
    f"      卡号 {grouped(CARD_16)}",                     # 9
    "",
])


def test_guard_in_mask_mode_masks_each_number_where_it_stood():
    collected = Problems()
    source = SourceText("data/households/a.yaml", STORY)
    masked = guard(source, "mask", frozenset(), collected)
    assert masked.path == source.path
    assert unmask_stars(masked.text) == STORY \
        .replace(MOBILE_NUMBER, MOBILE_MASKED) \
        .replace(ID_18, masked_id(ID_18)) \
        .replace(grouped(CARD_16), masked_card(CARD_16))
    assert "*" not in masked.text and masked.text.count(MASK) == 4 + 8 + 8
    assert find_personal_data(masked.text) == []
    assert collected.errors == []
    assert [(w.path, w.line, w.message) for w in collected.warnings] == [
        ("data/households/a.yaml", 7, f"personal data (mobile number) is published masked as "
                                      f"{MOBILE_MASKED}"),
        ("data/households/a.yaml", 7, f"personal data (resident ID number) is published masked "
                                      f"as {masked_id(ID_18)}"),
        ("data/households/a.yaml", 9, f"personal data (bank card number) is published masked as "
                                      f"{masked_card(CARD_16)}"),
    ]


def test_guard_in_block_mode_reports_errors_and_masks_for_later_messages():
    """The build stops; what later stages read is masked, so no other message can quote it."""
    collected = Problems()
    source = SourceText("data/households/a.yaml", STORY)
    masked = guard(source, "block", frozenset(), collected)
    assert masked == guard(source, "mask", frozenset(), Problems())
    assert collected.warnings == []
    assert [(e.line, e.message.split(":")[0]) for e in collected.errors] == [
        (7, f"personal data (mobile number) {MOBILE_MASKED}"),
        (7, f"personal data (resident ID number) {masked_id(ID_18)}"),
        (9, f"personal data (bank card number) {masked_card(CARD_16)}")]
    assert all("privacy: mask" in e.message for e in collected.errors)
    assert not any(number in str(e) for e in collected.errors
                   for number in (MOBILE_NUMBER, ID_18, CARD_16, grouped(CARD_16)))


@pytest.mark.parametrize("mode", ["block", "mask"])
def test_guard_leaves_a_file_without_personal_data_untouched(mode):
    collected = Problems()
    source = SourceText("a.md", "---\ntitle: 2024年工作总结\n---\n全县1100户,电话0745-3221234。\n")
    assert guard(source, mode, frozenset(), collected) is source
    assert collected.items == []


def test_guard_passes_allowed_numbers_in_both_modes():
    for mode in ("block", "mask"):
        collected = Problems()
        source = SourceText("site.yaml", f"title: t\ncontact: {MOBILE_NUMBER}\n")
        assert guard(source, mode, frozenset({MOBILE_NUMBER}), collected) == source
        assert collected.items == []


@pytest.mark.parametrize("path", [f"content/reports/{MOBILE_NUMBER}.md",
                                  f"content/{ID_18}/a.md",
                                  f"data/households/{CARD_16}.yaml",
                                  f"content/reports/images/zhang_{MOBILE_NUMBER}.jpg"])
def test_guard_file_name_reports_the_file_at_line_1(path):
    """Named with the number masked: the message itself must not publish it."""
    collected = Problems()
    guard_file_name(path, frozenset(), collected)
    (error,) = collected.errors
    assert (error.path, error.line) == (mask_personal_data(path), 1)
    assert error.path != path
    assert "in the file name" in error.message and "rename" in error.message


def test_guard_file_name_passes_ordinary_names():
    collected = Problems()
    for path in ("content/reports/2024/20241220-xupu.md", "data/households/2024-xupu-pingan.yaml",
                 "content/reports/images/photo-0745-3221234.jpg"):
        guard_file_name(path, frozenset(), collected)
    assert collected.items == []


# --- end to end: the fixture sites ----------------------------------------------------------------

def full_numbers_in(text: str, numbers: list[str]) -> list[str]:
    """Those of `numbers` (as written, or as bare digits) found in `text`, or in `text` with its
    spaces and hyphens taken out."""
    squeezed = re.sub(r"[ \-]", "", text).lower()
    return [n for n in numbers if n in text or only_digits(n).lower() in squeezed]


def assert_no_full_number(result, numbers: list[str]) -> None:
    leaked = full_numbers_in(result.stdout + result.stderr, numbers)
    assert not leaked, f"{leaked} printed in full:\n{result.stderr}"


BLOCKED = [
    # site, path, line, what is found, the full number as written in the fixture
    pytest.param("privacy-block-report", REPORT, 12, f"(mobile number) {MOBILE_MASKED}",
                 "138-1234-5678", id="report-body"),
    pytest.param("privacy-block-list", LIST, 16,
                 "(resident ID number) 431224********1234", "431224198503121234",
                 id="household-story"),
    pytest.param("privacy-block-front-matter", REPORT, 8,
                 "(bank card number) 6222********7894", "6222 0212 3456 7894", id="summary"),
]


@pytest.mark.parametrize("site, path, line, found, number", BLOCKED)
def test_personal_data_stops_the_build_and_keeps_the_previous_output(
        site, path, line, found, number, previous: Previous):
    result = run("build", "--site", SITES / site, "--out", previous.out)
    assert result.returncode == 1, result.stderr
    message = problem_at(result.stderr, path, line)
    assert f"error: personal data {found}: remove it" in message
    assert problems(result.stderr) == [message]
    assert number in (SITES / site / path).read_text("utf-8").split("\n")[line - 1]
    assert_no_full_number(result, [number])
    assert "nothing was written" in result.stderr
    previous.assert_unchanged()


def test_privacy_block_written_out_is_the_default(tmp_path):
    site = tmp_path / "site"
    shutil.copytree(SITES / "privacy-block-report", site)
    with (site / "site.yaml").open("a", encoding="utf-8") as file:
        file.write("privacy: block\n")
    result = run("check", "--site", site)
    assert result.returncode == 1
    assert problems(result.stderr) == [problem_at(result.stderr, REPORT, 12)]


def test_a_file_name_with_a_mobile_number_stops_the_build(previous: Previous):
    path = "content/reports/139****5678.md"  # the message names the file masked, too
    result = run("build", "--site", SITES / "privacy-block-filename", "--out", previous.out)
    assert result.returncode == 1, result.stderr
    message = problem_at(result.stderr, path, 1)
    assert "personal data (mobile number) 139****5678 in the file name: rename" in message
    assert problems(result.stderr) == [message]
    previous.assert_unchanged()


def test_a_file_name_error_does_not_print_the_full_number():
    result = run("check", "--site", SITES / "privacy-block-filename")
    assert result.returncode == 1
    assert_no_full_number(result, ["13912345678"])


def test_the_fixture_numbers_are_personal_data_by_the_rules():
    assert resident_id("19850312", "431224", "123") == "431224198503121234"
    assert resident_id("19790615", "431224", "102") == "43122419790615102X"
    assert bank_card("622202", 16) == "6222021234567894"
    assert "431224790615123"[6:12] == "790615"  # an old ID of someone born on 15 June 1979


# --- end to end: privacy: mask --------------------------------------------------------------------

MASK_SITE = SITES / "privacy-mask"
MASKED_IN_MASK_SITE = [
    # path, line, kind, masked form, the full number as written
    (REPORT, 2, "mobile number", "135****5678", "13512345678"),
    (REPORT, 12, "mobile number", MOBILE_MASKED, "+86 138-1234-5678"),
    (REPORT, 13, "bank card number", "6222********7894", "6222-0212-3456-7894"),
    (LIST, 16, "resident ID number", "431224********102X", "43122419790615102X"),
    (LIST, 16, "resident ID number", "431224*****5123", "431224790615123"),
    ("site.yaml", 4, "mobile number", "137****5678", "137 1234 5678"),
]


@pytest.fixture(scope="module")
def masked_build(tmp_path_factory):
    out = tmp_path_factory.mktemp("privacy-mask") / "out"
    result = run("build", "--site", MASK_SITE, "--out", out)
    return result, out


def test_privacy_mask_publishes_with_a_warning_for_each_number(masked_build):
    result, _ = masked_build
    assert result.returncode == 0, result.stderr
    assert problems(result.stderr) == []
    warnings = problems(result.stderr, "warning")
    assert warnings == [f"{path}:{line}: warning: personal data ({kind}) is published masked as "
                        f"{masked}" for path, line, kind, masked, _ in MASKED_IN_MASK_SITE]
    for path, line, _, _, number in MASKED_IN_MASK_SITE:
        assert number in (MASK_SITE / path).read_text("utf-8").split("\n")[line - 1]
    assert_no_full_number(result, [n for *_, n in MASKED_IN_MASK_SITE])


@pytest.mark.parametrize("page, shown", [
    ("reports/longtan/index.html", ["<h1>调解热线135****5678:", "手机：138****5678）",
                                    "汇至 6222********7894，"]),
    ("index.html", ["调解热线135****5678:", "监督电话 137****5678"]),
    ("households/2024-xupu-pingan-zhangjianguo-jiating/index.html",
     ["户主身份证 431224********102X,", "老身份证 431224*****5123。"]),
    ("feed.xml", ["调解热线135****5678:"]),
])
def test_privacy_mask_shows_the_masked_forms(masked_build, page, shown):
    _, out = masked_build
    text = (out / page).read_text("utf-8")
    for piece in shown:
        assert piece in text, f"{piece!r} not in {page}"


def test_privacy_mask_leaves_no_full_number_in_any_output_file(masked_build):
    _, out = masked_build
    files = snapshot(out)
    assert len(files) > 20
    numbers = [n for *_, n in MASKED_IN_MASK_SITE]
    leaks = {name: found for name, data in files.items()
             if (found := full_numbers_in(data.decode("utf-8", "replace"), numbers))}
    assert leaks == {}


def test_privacy_mask_leaves_no_stand_in_star_in_any_output_file(masked_build):
    _, out = masked_build
    stray = [name for name, data in snapshot(out).items() if MASK.encode("utf-8") in data]
    assert stray == []


# --- end to end: numbers published on purpose -----------------------------------------------------

ALLOWED_SITE = SITES / "privacy-allowed"


@pytest.mark.parametrize("mode", ["block", "mask"])
def test_contact_and_privacy_allow_are_published_as_they_are(mode, tmp_path):
    site = tmp_path / "site"
    shutil.copytree(ALLOWED_SITE, site)
    if mode == "mask":
        with (site / "site.yaml").open("a", encoding="utf-8") as file:
            file.write("privacy: mask\n")
    out = tmp_path / "out"
    result = run("build", "--site", site, "--out", out)
    assert result.returncode == 0, result.stderr
    assert problems(result.stderr) == problems(result.stderr, "warning") == []
    home = (out / "index.html").read_text("utf-8")
    assert "<p>联系方式：137 1234 5678</p>" in home
    page = (out / "reports/longtan/index.html").read_text("utf-8")
    assert "值班电话 13712345678，镇综治办值班手机 150-1234-5678。" in page
    assert "****" not in page


# --- end to end: every input is looked at ---------------------------------------------------------

def site_copy(tmp_path: Path) -> Path:
    site = tmp_path / "site"
    shutil.copytree(MINIMAL, site)
    return site


def edit(site: Path, path: str, old: str, new: str) -> None:
    file = site / path
    text = file.read_text("utf-8")
    assert old in text, f"{old!r} not in {path}"
    file.write_text(text.replace(old, new, 1), "utf-8")


def line_holding(site: Path, path: str, needle: str) -> int:
    lines = (site / path).read_text("utf-8").split("\n")
    (line,) = [n for n, text in enumerate(lines, 1) if needle in text]
    return line


EVERY_INPUT = [
    # path, text replaced, its replacement holding the number, number, masked form
    pytest.param("site.yaml", "categories:", f"footer: 举报电话 {MOBILE_NUMBER}\ncategories:",
                 MOBILE_NUMBER, MOBILE_MASKED, id="site-yaml-footer"),
    pytest.param("site.yaml", "title: 测试站", f"# 维护人 {MOBILE_NUMBER}\ntitle: 测试站",
                 MOBILE_NUMBER, MOBILE_MASKED, id="site-yaml-comment"),
    pytest.param("data/regions.yaml", "{name: 幸福社区}", f"{{name: 幸福社区}}, {{name: 村医{ID_18}}}",
                 ID_18, masked_id(ID_18), id="regions-name"),
    pytest.param("data/regions.yaml", "- name: 湖南省", f"# 录入：{MOBILE_NUMBER}\n- name: 湖南省",
                 MOBILE_NUMBER, MOBILE_MASKED, id="regions-comment"),
    pytest.param(REPORT, "title: 龙潭村:", f"title: 调解员{MOBILE_NUMBER}谈龙潭村:",
                 MOBILE_NUMBER, MOBILE_MASKED, id="report-title"),
    pytest.param(REPORT, "unit: 桥江镇综治办", f"unit: 桥江镇综治办\nauthor: 张三 {ID_15}",
                 ID_15, masked_id(ID_15), id="report-author"),
    pytest.param(REPORT, "tags: [矛盾调解]", f"tags: [矛盾调解, \"{CARD_19}\"]",
                 CARD_19, masked_card(CARD_19), id="report-tags"),
    pytest.param(REPORT, "龙潭村坚持调解优先。", f"龙潭村坚持调解优先。\n\n> 热线 {grouped(CARD_16, '-')}",
                 grouped(CARD_16, "-"), masked_card(CARD_16), id="report-body-quote"),
    pytest.param(LIST, "document: 溆平安办〔2024〕12号", f"document: 溆平安办〔2024〕12号 {ID_X}",
                 ID_X, masked_id(ID_X), id="list-document"),
    pytest.param(LIST, "head: 张建国", f"head: 张建国({MOBILE_NUMBER})",
                 MOBILE_NUMBER, MOBILE_MASKED, id="household-head"),
    pytest.param(LIST, "name: 阿依古丽·买买提家庭", f"name: 阿依古丽·买买提家庭{MOBILE_NUMBER}",
                 MOBILE_NUMBER, MOBILE_MASKED, id="household-name"),
    pytest.param(LIST, "    tags: [孝老爱亲]", f"    # 电话 +86 {MOBILE_NUMBER}\n    tags: [孝老爱亲]",
                 f"+86 {MOBILE_NUMBER}", MOBILE_MASKED, id="list-comment"),
    pytest.param(LIST, "孝老爱亲。", f"孝老爱亲。\n      银行卡 {CARD_13}。",
                 CARD_13, masked_card(CARD_13), id="household-story-card"),
]


@pytest.mark.parametrize("path, old, new, number, masked", EVERY_INPUT)
def test_personal_data_is_found_in_every_input(path, old, new, number, masked, tmp_path):
    site = site_copy(tmp_path)
    edit(site, path, old, new)
    line = line_holding(site, path, number)
    result = run("check", "--site", site)
    assert result.returncode == 1, result.stderr
    message = problem_at(result.stderr, path, line)
    assert "error: personal data (" in message and f") {masked}: remove it" in message
    assert problems(result.stderr) == [message]
    assert_no_full_number(result, [number])


@pytest.mark.parametrize("mode", ["block", "mask"])
@pytest.mark.parametrize("old, new", [
    (REPORT, f"content/reports/{MOBILE_NUMBER}.md"),
    (LIST, f"data/households/{ID_18}.yaml"),
    ("content/reports", f"content/{CARD_16}"),
    (None, f"content/reports/images/zhang-{MOBILE_NUMBER}.jpg"),
], ids=["report", "honour-list", "folder", "picture"])
def test_a_file_name_with_personal_data_is_always_an_error(old, new, mode, tmp_path):
    site = site_copy(tmp_path)
    if mode == "mask":
        edit(site, "site.yaml", "title:", "privacy: mask\ntitle:")
    (site / new).parent.mkdir(parents=True, exist_ok=True)
    if old is None:
        (site / new).write_bytes(b"\xff\xd8\xff\xe0 not really a picture")
    else:
        (site / old).rename(site / new)
    result = run("check", "--site", site)
    assert result.returncode == 1, result.stderr
    errors = problems(result.stderr)
    assert errors and all("in the file name: rename the file" in e for e in errors), errors
    assert any(e.startswith(mask_personal_data(new)) and ":1: error: personal data" in e
               for e in errors), errors


# --- no message leaks a number ---------------------------------------------------------------------

def test_no_other_message_prints_the_full_number(tmp_path):
    site = site_copy(tmp_path)
    edit(site, REPORT, "龙潭村坚持调解优先。", f"龙潭村坚持调解优先。\n\n![张建国](images/{MOBILE_NUMBER}.jpg)")
    result = run("check", "--site", site)
    assert result.returncode == 1
    assert problem_at(result.stderr, REPORT, 12).endswith(
        f"personal data (mobile number) {MOBILE_MASKED}: remove it, or set 'privacy: mask' in "
        "site.yaml to publish it masked")
    assert_no_full_number(result, [MOBILE_NUMBER])
