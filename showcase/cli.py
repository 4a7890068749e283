"""The command line of build.py: parses words into a command and turns errors into messages and
exit statuses (0 success, 1 content errors, 2 bad usage). Never a traceback for an author.
Every word it prints is in the author's language (i18n.py): chosen before the parser is made,
so that --help is too."""
from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path

from . import commands, i18n, scaffold
from .errors import ContentError, Problems, ShowcaseError, UsageError
from .i18n import _, ngettext
from .privacy import mask_personal_data
from .progress import Progress
from .serve import serve

SHEETS = (".xlsx", ".xls", ".csv")
DOCUMENTS = (".docx", ".txt")
OLD_WORD = (".doc", ".wps")
"""Word's and WPS's old formats: the report reader says how to save them as .docx."""


def _description() -> str:
    return _("""\
showcase builds the publicity site (reports, honour lists, households) from a site folder:
site.yaml, content/ (Markdown reports), data/ (regions and honour lists), templates/, static/.
Every command works on the site in the current folder unless --site names another.

commands:
  build   (the default) build the site into a folder, output/ unless --out says otherwise
  check   check every file, link and template, and write nothing
  serve   preview the site at http://127.0.0.1:8000/, rebuilt and reloaded on every save
  new     start a site, a report or an honour list
  import  turn an Excel honour list or a Word report into the site's files

Problems are printed as  path:line: error: message  and the exit status is 1;
the previous output is then left exactly as it was. The formats and every option are
described in docs/reference.md.""")


class _Parser(argparse.ArgumentParser):
    """Every command takes --lang (argparse's own words come from the catalogue, i18n.py)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, formatter_class=argparse.RawDescriptionHelpFormatter, **kwargs)
        self.add_argument("--lang", choices=i18n.LANGUAGES, default=argparse.SUPPRESS,
                          help=_("the language of messages: zh (the default) or en"))

    def format_help(self) -> str:
        # argparse puts an ASCII colon after each section's heading: a Chinese one takes a
        # Chinese colon
        return _CHINESE_HEADING.sub("\\1：", super().format_help())


_CHINESE_HEADING = re.compile(r"^(\S[^\n]*[\u4e00-\u9fff]):$", re.M)


def _site_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--site", type=Path, default=None, metavar="DIR",
                        help=_("the site folder (default: the current folder)"))


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python build.py", description=_description())
    sub = parser.add_subparsers(dest="command", metavar="command", parser_class=_Parser,
                                title=_("commands"))
    build = sub.add_parser("build", help=_("build the site (the default command)"),
                           description=_("Build the site into a folder."))
    _site_option(build)
    build.add_argument("--out", type=Path, default=None, metavar="DIR",
                       help=_("where to write the site (default: output/ in the site folder)"))
    build.add_argument("--base-url", default=None, metavar="URL",
                       help=_("the address the site will have, for feed.xml and sitemap.xml "
                              "(default: base_url in site.yaml)"))
    build.add_argument("--drafts", action="store_true",
                       help=_("also publish drafts and reports dated in the future (to "
                              "preview)"))
    build.add_argument("--offline", action="store_true",
                       help=_("make a copy that reads from disk with no server (handed out on "
                              "a USB stick): every link names a page's file, index.html"))
    build.add_argument("--no-cache", action="store_true",
                       help=_("build everything anew, without the site's .cache/ (the output "
                              "is the same either way)"))
    build.add_argument("--jobs", type=_positive, default=_cores(), metavar="N",
                       help=_("work in N processes: new files checked and converted in N, "
                              "then the search index beside the pages, which take the rest "
                              "(default: the cores available, here {cores})")
                       .format(cores=_cores()))
    check = sub.add_parser("check", help=_("check the site and write nothing"),
                           description=_("Check content, links and templates; write "
                                         "nothing."))
    _site_option(check)
    serve_command = sub.add_parser(
        "serve", help=_("preview the site with live reload"),
        description=_("Build the site (drafts included) into a private folder, serve it, and "
                      "rebuild and reload the browser whenever a file of the site changes. "
                      "Stop with Ctrl+C."))
    _site_option(serve_command)
    serve_command.add_argument("--host", default="127.0.0.1",
                               help=_("address to listen on (default: 127.0.0.1)"))
    serve_command.add_argument("--port", type=_positive, default=8000,
                               help=_("port (default: 8000)"))
    _new_parsers(sub)
    _import_parser(sub)
    return parser


def _new_parsers(sub) -> None:
    new = sub.add_parser("new", help=_("start a site, a report or an honour list"),
                         description=_("Write the files to start from, every key explained in "
                                       "a comment; an existing file is never replaced."))
    kinds = new.add_subparsers(dest="kind", metavar="site|report|list", required=True,
                               parser_class=_Parser, title=_("what to start"))
    site = kinds.add_parser("site", help=_("a new site in a new or empty folder"),
                            description=_("A minimal complete site: site.yaml, "
                                          "data/regions.yaml, one example report and one "
                                          "example honour list. It builds at once."))
    site.add_argument("folder", type=Path, metavar="DIR", help=_("the new site's folder"))
    site.add_argument("--title", required=True, help=_("the site's name"))
    site.add_argument("--region", metavar="PROVINCE/CITY/COUNTY",
                      help=_("the county the site is for, like 湖南省/怀化市/溆浦县"))
    report = kinds.add_parser("report", help=_("a new report"),
                              description=_("A report under content/reports/<year>/, with its "
                                            "front matter written out; its path is printed."))
    report.add_argument("title", help=_("the report's title"))
    report.add_argument("--category", help=_("one of site.yaml's categories"))
    report.add_argument("--region", help=_("a path in data/regions.yaml"))
    report.add_argument("--date", metavar="YYYY-MM-DD", help=_("the report's date (default: "
                                                               "today)"))
    _site_option(report)
    honours = kinds.add_parser("list", help=_("a new honour list"),
                               description=_("An honour list under data/households/, with one "
                                             "example household in comments."))
    honours.add_argument("title", help=_("the list's title"))
    honours.add_argument("--honour", required=True, help=_("the title conferred, like "
                                                           "平安家庭示范户"))
    honours.add_argument("--year", type=_positive, required=True, help=_("the year"))
    _site_option(honours)


def _import_parser(sub) -> None:
    imports = sub.add_parser(
        "import", help=_("turn an Excel honour list or a Word report into the site's files"),
        description=_("An honour list from .xlsx, .xls or .csv (UTF-8 or GBK) becomes "
                      "data/households/<year>-….yaml; a report from .docx or .txt becomes "
                      "content/reports/<year>/….md. The written files are printed."))
    imports.add_argument("file", type=Path, help=_("the file to import"))
    _site_option(imports)
    imports.add_argument("--map", action="append", default=[], metavar="COLUMN=FIELD",
                         help=_("read a column whose header is not recognised as a field "
                                "(name, head, township, village, address, members, honour, "
                                "year, story, tags, ignore); may be given several times"))
    imports.add_argument("--add-regions", action="store_true",
                         help=_("add the townships and villages the list names that "
                                "data/regions.yaml lacks"))
    imports.add_argument("--region", help=_("for a list: the county its places are in; for a "
                                            "report: its region"))
    imports.add_argument("--category", help=_("for a report: one of site.yaml's categories"))


def _cores() -> int:
    """The cores this process may run on (a container may allow fewer than the machine has)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(_("'{text}' is not a whole number")
                                         .format(text=text)) from None
    if value < 1:
        raise argparse.ArgumentTypeError(_("must be 1 or more"))
    return value


def _language_asked(argv: list[str]) -> tuple[str | None, list[str]]:
    """--lang, read (and taken out of the words) before the parser is made, whose help is in
    the language asked for: it may stand anywhere, before the command too."""
    for index, word in enumerate(argv):
        if word == "--lang" and index + 1 < len(argv) and argv[index + 1] in i18n.LANGUAGES:
            return argv[index + 1], argv[:index] + argv[index + 2:]
        if word.startswith("--lang=") and word.partition("=")[2] in i18n.LANGUAGES:
            return word.partition("=")[2], argv[:index] + argv[index + 1:]
    return None, argv


def _site_folder(given: Path | None) -> Path:
    """The site a command works on: --site, else the current folder, which must be one."""
    if given is not None:
        if not given.is_dir():
            raise UsageError(_("the site folder {folder} does not exist").format(folder=given))
        return given
    here = Path.cwd()
    if not (here / "site.yaml").is_file():
        raise UsageError(_("{folder} is not a site folder (it has no site.yaml): run the "
                           "command in your site's folder, or give --site DIR; "
                           "`python build.py new site DIR` starts one").format(folder=here))
    return here


def main(argv: list[str] | None = None, *, clean_exit: bool = True) -> int:
    """Run the command `argv` says; its exit status. With `clean_exit` False (build.py), a
    build or check that succeeded ends the process itself (`_finished`)."""
    language, argv = _language_asked(list(sys.argv[1:] if argv is None else argv))
    i18n.choose(language)
    if not argv or (argv[0].startswith("-") and argv[0] not in ("-h", "--help")):
        argv.insert(0, "build")
    args = _parser().parse_args(argv)  # exits with status 2 on bad usage
    try:
        return _run(args, clean_exit)
    except ContentError as exc:
        for problem in exc.problems:
            print(mask_personal_data(str(problem)), file=sys.stderr)
        errors = sum(1 for p in exc.problems if p.severity == "error")
        print(ngettext("{count} error: nothing was written; the previous output is unchanged",
                       "{count} errors: nothing was written; the previous output is unchanged",
                       errors).format(count=errors), file=sys.stderr)
        return 1
    except UsageError as exc:
        print(_("error: {message}").format(message=exc), file=sys.stderr)
        return 2
    except ShowcaseError as exc:
        print(_("error: {message}").format(message=exc), file=sys.stderr)
        return 1


def _run(args: argparse.Namespace, clean_exit: bool = True) -> int:
    if args.command == "new":
        return _new(args)
    if args.command == "import":
        return _import(args)
    site = _site_folder(args.site)
    if args.command == "serve":
        serve(site, args.host, args.port, first_jobs=_cores())
        return 0
    if args.command == "check":
        outcome = commands.check(site)
        _print_warnings(outcome.warnings)
        print(_("checked {reports} reports, {households} households, {pages} pages: no errors")
              .format(reports=len(outcome.site.reports),
                      households=sum(len(h.households) for h in outcome.site.honour_lists),
                      pages=outcome.pages))
        return _finished(clean_exit)
    out = args.out if args.out is not None else site / "output"
    progress = Progress()
    try:
        outcome = commands.build(site, out, drafts=args.drafts, base_url=args.base_url,
                                 jobs=args.jobs, progress=progress, use_cache=not args.no_cache,
                                 offline=args.offline)
    finally:
        progress.finish()
    _print_warnings(outcome.warnings)
    news = (_("nothing changed since the last build") if outcome.site is None
            else _("{count} unchanged").format(count=outcome.unchanged))
    print(_("built {pages} pages and {files} files into {out} in {seconds:.1f} s ({news})")
          .format(pages=outcome.pages, files=outcome.files, out=out,
                  seconds=progress.seconds, news=news))
    return _finished(clean_exit)


def _finished(clean_exit: bool) -> int:
    """A build or check done: status 0. Without `clean_exit`, the process ends here, its
    output flushed, while the site's model is still held: freeing its objects one by one, and
    the interpreter's own teardown, took a tenth of a second or more of a one-change build at
    10,000 reports, after its work was done."""
    if not clean_exit:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)
    return 0


def _new(args: argparse.Namespace) -> int:
    if args.kind == "site":
        written = scaffold.new_site(args.folder, args.title, args.region)
        for path in written:
            print(path)
        print(_("a new site is in {folder}: build it with  cd {folder} && {program}  "
                "or preview it with  {program} serve").format(folder=args.folder,
                                                              program=_program()))
        return 0
    site = _site_folder(args.site)
    if args.kind == "report":
        path = scaffold.new_report(site, args.title, category=args.category,
                                   region=args.region, date=args.date)
        print(path)
        print(_("fill in what says TODO, write the text, and set draft: false to publish it"))
        return 0
    print(scaffold.new_list(site, args.title, honour=args.honour, year=args.year))
    print(_("write the households under 'households:' as the example in the file shows"))
    return 0


def _program() -> str:
    """The command that runs build.py, as the author typed it (from her site's folder, the
    path she gave to build.py)."""
    return f"python {Path(sys.argv[0]).resolve()}" if sys.argv[0].endswith(".py") \
        else "python build.py"


def _import(args: argparse.Namespace) -> int:
    site = _site_folder(args.site)
    if not args.file.is_file():
        raise UsageError(_("there is no file {file}").format(file=args.file))
    suffix = args.file.suffix.lower()
    problems = Problems()
    # the readers of Excel and Word files load in a moment, only for an import
    from .importing.honour_sheet import import_honour_sheet
    from .importing.report_document import import_report_document
    if suffix in SHEETS:
        written = import_honour_sheet(args.file, site, mapping=_mapping(args.map),
                                      add_regions=args.add_regions, county=args.region,
                                      problems=problems)
    elif suffix in DOCUMENTS + OLD_WORD:
        written = import_report_document(args.file, site, category=args.category,
                                         region=args.region, problems=problems)
    else:
        raise UsageError(_("cannot import a {suffix} file: import reads {sheets} honour lists "
                           "and {documents} reports").format(
            suffix=suffix or _("nameless"), sheets=" ".join(SHEETS),
            documents=" ".join(DOCUMENTS)))
    _print_warnings(problems.warnings)
    for path in written:
        print(path)
    print(_("written: fill in what says TODO, then run check") if written else
          _("nothing written: the site's files already hold this import"))
    return 0


def _mapping(pairs: list[str]) -> dict[str, str]:
    mapping = {}
    for pair in pairs:
        column, sign, field = pair.partition("=")
        if not sign or not column.strip() or not field.strip():
            raise UsageError(_("--map takes COLUMN=FIELD, like --map 户主姓名=head, not "
                               "'{pair}'").format(pair=pair))
        mapping[column.strip()] = field.strip()
    return mapping


def _print_warnings(warnings) -> None:
    for warning in warnings:
        print(mask_personal_data(str(warning)), file=sys.stderr)
