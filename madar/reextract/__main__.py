"""``python -m madar.reextract ARCHIVE... -o out.jsonl [--workers N] [--base-url URL]``.

Options: docs/warc.md. Exit codes: 0 done, 1 failed, 2 bad arguments (one line on stderr).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from madar.exporters.parquet import ParquetUnavailable, require_pyarrow
from madar.spiders.arguments import site_origin

try:
    from madar.reextract.corpus import Options, feed_formats, reextract
except ImportError as missing:  # FastWARC not installed (requirements-warc.txt)
    print(f"python -m madar.reextract: {missing}", file=sys.stderr)
    raise SystemExit(2) from None

PROG = "python -m madar.reextract"


class BadArgument(Exception):
    """One line for the user; exit code 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, not argparse's usage block
        raise BadArgument(message)


def archive_files(argument: str) -> list[Path]:
    path = Path(argument)
    if path.is_dir():
        found = sorted(p for p in path.iterdir() if p.name.endswith((".warc.gz", ".warc")))
        if not found:
            raise argparse.ArgumentTypeError(f"no *.warc.gz or *.warc file in {path}")
        return found
    if not path.is_file():
        raise argparse.ArgumentTypeError(f"no such archive: {path}")
    return [path]


def setting(argument: str) -> tuple[str, str]:
    name, sep, value = argument.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"expects NAME=VALUE, got {argument!r}")
    return name, value


def base_url(argument: str) -> str:
    try:
        return site_origin(argument)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be an absolute http(s) URL, got {argument!r}"
                                         ) from None


def parser() -> argparse.ArgumentParser:
    p = _Parser(prog=PROG, description=__doc__.split("\n")[0])
    p.add_argument("archives", nargs="+", metavar="ARCHIVE", type=archive_files,
                   help="WARC files, or directories holding *.warc.gz / *.warc")
    p.add_argument("-o", "--output", required=True, type=Path,
                   help="output file; its extension picks the format (.jsonl, .parquet)")
    p.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                   help="extraction processes (default: one per CPU; 0: in this process)")
    p.add_argument("--base-url", type=base_url, default=None,
                   help="the site whose pages are taken (default: setting MADAR_BASE_URL)")
    p.add_argument("--state-dir", type=Path, default=None,
                   help="dedup memory to use and keep (default: a fresh one, deleted after)")
    p.add_argument("-s", "--set", action="append", default=[], type=setting,
                   metavar="NAME=VALUE", help="override a madar setting, as scrapy crawl -s")
    return p


def options_from(argv: list[str] | None) -> Options:
    args = parser().parse_args(argv)
    if args.workers < 0:
        raise BadArgument(f"--workers must be >= 0, got {args.workers}")
    fmt = args.output.suffix.lstrip(".").lower()
    formats = feed_formats()
    if fmt not in formats:
        raise BadArgument(f"unknown output format {args.output.suffix or '(none)'!r}: use one "
                          f"of {', '.join('.' + f for f in sorted(formats))}")
    if fmt == "parquet":
        require_pyarrow()
    if args.base_url is None:
        from madar import settings as project

        args.base_url = site_origin(project.MADAR_BASE_URL)
    return Options(archives=[path for paths in args.archives for path in paths],
                   output=args.output, output_format=fmt, base_url=args.base_url,
                   workers=args.workers, state_dir=args.state_dir, settings=dict(args.set))


def main(argv: list[str] | None = None) -> int:
    try:
        options = options_from(argv)
    except (BadArgument, ParquetUnavailable) as problem:
        print(f"{PROG}: {problem}", file=sys.stderr)
        return 2
    logging.basicConfig(level=os.environ.get("MADAR_LOG_LEVEL", "INFO"),
                        format="%(asctime)s [%(name)s] %(levelname)s: %(message)s")
    try:
        report = reextract(options)
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted; {options.output} not written", file=sys.stderr)
        return 1
    if report["finish_reason"] == "no_site_records":
        hosts = report["archives"]["hosts_seen"]
        print(f"{PROG}: no page of {options.base_url} in the archives; they hold "
              f"{', '.join(f'{host} ({n})' for host, n in hosts.items())}: "
              "name the site with --base-url", file=sys.stderr)
    return 0 if report["finish_reason"] == "finished" else 1


if __name__ == "__main__":
    sys.exit(main())
