"""The command line's language: every message an author reads (errors, warnings, summaries,
--help) is written in English in the code and looked up in one gettext catalogue
(showcase/locale/zh_CN/LC_MESSAGES/showcase.po, compiled beside it to showcase.mo). Chinese
is the default; English is chosen by `--lang en` or by an environment whose locale is English.

The catalogue is the process's gettext domain, so argparse's own words (usage, options,
"the following arguments are required") come from it too; the language is passed the way
gettext reads it, in LANGUAGE, which the build's worker processes inherit."""
from __future__ import annotations

import functools
import gettext
import os
from collections.abc import Mapping
from pathlib import Path

DOMAIN = "showcase"
LOCALES = Path(__file__).resolve().parent / "locale"
LANGUAGES = ("zh", "en")
CATALOGUE_OF = {"zh": "zh_CN", "en": "en"}
"""gettext's name of each language's catalogue (English is the code's own: it has none)."""


def language_of(environ: Mapping[str, str]) -> str:
    """The language an environment asks for: English when its locale (the first of LANGUAGE,
    LC_ALL, LC_MESSAGES, LANG that is set, as gettext reads them) is English, else Chinese
    (also for C, POSIX and no locale at all, as on most Windows machines)."""
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(name, "")
        if value:
            return "en" if value.lower().startswith("en") else "zh"
    return "zh"


_chosen: list[str] = []
"""The language in use, once chosen (by `choose`, or on the first message from the
environment)."""


def choose(language: str | None = None) -> str:
    """Use `language` (zh or en), or the environment's; returns the one in use."""
    language = language or language_of(os.environ)
    os.environ["LANGUAGE"] = CATALOGUE_OF[language]
    gettext.bindtextdomain(DOMAIN, LOCALES)
    gettext.textdomain(DOMAIN)
    _chosen[:] = [language]
    _catalogue.cache_clear()
    return language


def current() -> str:
    """The language messages are given in (part of the memo's keys: kept results carry the
    problems found in making them, in the words of the build that made them)."""
    return _chosen[0] if _chosen else choose()


@functools.cache
def _catalogue() -> gettext.NullTranslations:
    return gettext.translation(DOMAIN, LOCALES, languages=[CATALOGUE_OF[current()]],
                               fallback=True)


def _(message: str) -> str:
    """`message` in the author's language."""
    return _catalogue().gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    """The singular or plural message for `count`, in the author's language."""
    return _catalogue().ngettext(singular, plural, count)


def N_(message: str) -> str:
    """`message` as it is, marked for the catalogue: for a text kept in English as a value (a
    name compared in code, argparse's own words) and translated with `_` where it is shown."""
    return message


ARGPARSE_WORDS = (
    N_("usage: "),
    N_("positional arguments"),
    N_("options"),
    N_("show this help message and exit"),
    N_("%(prog)s: error: %(message)s\n"),
    N_("argument %(argument_name)s: %(message)s"),
    N_("the following arguments are required: %s"),
    N_("unrecognized arguments: %s"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"),
    N_("expected one argument"),
    N_("ignored explicit argument %r"),
    N_("ambiguous option: %(option)s could match %(matches)s"),
    N_("invalid %(type)s value: %(value)r"),
    N_("one of the arguments %s is required"),
    N_("not allowed with argument %s"),
)
"""The words argparse itself prints (argparse.py looks each up with gettext in the process's
domain, which `choose` makes this catalogue): listed here, exactly as argparse spells them, only
so that extracting the code's messages keeps them in the catalogue, since no call of ours
names them. The last three only appear if the command line gets a type that raises ValueError
or options that exclude one another; they are here so that it can."""
