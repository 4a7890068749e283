"""The command line of build.py: parses words into a command and turns errors into messages and
exit statuses (0 success, 1 content errors, 2 bad usage). Never a traceback for an author."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from . import commands
from .errors import ContentError, ShowcaseError, UsageError
from .load import REPOSITORY
from .privacy import mask_personal_data
from .progress import Progress
from .serve import serve

DESCRIPTION = """\
showcase builds the publicity site (reports, honour lists, households) from a site folder:
site.yaml, content/ (Markdown reports), data/ (regions and honour lists), templates/, static/.

commands:
  build   (the default) build the site into a folder, output/ unless --out says otherwise
  check   check every file, link and template, and write nothing
  serve   preview the site at http://127.0.0.1:8000/, rebuilt and reloaded on every save

Problems are printed as  path:line: error: message  and the exit status is 1;
the previous output is then left exactly as it was."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python build.py", description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", metavar="command")
    build = sub.add_parser("build", help="build the site (the default command)",
                           description="Build the site into a folder.")
    build.add_argument("--site", type=Path, default=REPOSITORY, metavar="DIR",
                       help="the site folder (default: the sample site in this repository)")
    build.add_argument("--out", type=Path, default=None, metavar="DIR",
                       help="where to write the site (default: output/ in the site folder)")
    build.add_argument("--base-url", default=None, metavar="URL",
                       help="the address the site will have, for feed.xml and sitemap.xml "
                            "(default: base_url in site.yaml)")
    build.add_argument("--drafts", action="store_true",
                       help="also publish drafts and reports dated in the future (to preview)")
    build.add_argument("--no-cache", action="store_true",
                       help="build everything anew, without the site's .cache/ (the output is "
                            "the same either way)")
    build.add_argument("--jobs", type=_positive, default=_cores(), metavar="N",
                       help="work in N processes: new files checked and converted in N, then "
                            "the search index beside the pages, which take the rest (default: "
                            "the cores available, here %(default)s)")
    check = sub.add_parser("check", help="check the site and write nothing",
                           description="Check content, links and templates; write nothing.")
    check.add_argument("--site", type=Path, default=REPOSITORY, metavar="DIR",
                       help="the site folder (default: the sample site in this repository)")
    serve = sub.add_parser("serve", help="preview the site with live reload",
                           description="Build the site (drafts included) into a private folder, "
                                       "serve it, and rebuild and reload the browser whenever a "
                                       "file of the site changes. Stop with Ctrl+C.")
    serve.add_argument("--site", type=Path, default=REPOSITORY, metavar="DIR",
                       help="the site folder (default: the sample site in this repository)")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on "
                                                          "(default: 127.0.0.1)")
    serve.add_argument("--port", type=_positive, default=8000, help="port (default: 8000)")
    return parser


def _cores() -> int:
    """The cores this process may run on (a container may allow fewer than the machine has)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or (argv[0].startswith("-") and argv[0] not in ("-h", "--help")):
        argv.insert(0, "build")
    args = _parser().parse_args(argv)  # exits with status 2 on bad usage
    try:
        if args.command == "serve":
            if not args.site.is_dir():
                raise UsageError(f"the site folder {args.site} does not exist")
            print(f"serving {args.site} at http://{args.host}:{args.port}/ (Ctrl+C to stop)",
                  flush=True)
            serve(args.site, args.host, args.port, first_jobs=_cores())
            return 0
        if args.command == "check":
            outcome = commands.check(args.site)
            _print_warnings(outcome.warnings)
            print(f"checked {len(outcome.site.reports)} reports, "
                  f"{sum(len(h.households) for h in outcome.site.honour_lists)} households, "
                  f"{outcome.pages} pages: no errors")
            return 0
        out = args.out if args.out is not None else args.site / "output"
        progress = Progress()
        try:
            outcome = commands.build(args.site, out, drafts=args.drafts, base_url=args.base_url,
                                     jobs=args.jobs, progress=progress,
                                     use_cache=not args.no_cache)
        finally:
            progress.finish()
        _print_warnings(outcome.warnings)
        news = ("nothing changed since the last build" if outcome.site is None
                else f"{outcome.unchanged} unchanged")
        print(f"built {outcome.pages} pages and {outcome.files} files into {out} "
              f"in {progress.seconds:.1f} s ({news})")
        return 0
    except ContentError as exc:
        for problem in exc.problems:
            print(mask_personal_data(str(problem)), file=sys.stderr)
        errors = sum(1 for p in exc.problems if p.severity == "error")
        print(f"{errors} error(s): nothing was written; the previous output is unchanged",
              file=sys.stderr)
        return 1
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except ShowcaseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


def _print_warnings(warnings) -> None:
    for warning in warnings:
        print(mask_personal_data(str(warning)), file=sys.stderr)
