"""Command line: serve the mirror, or write it to disk with its ground truth.

    python -m mirror --port 8000 [--host 127.0.0.1] [--articles 200] [--seed 1]
                           [--log requests.jsonl] [--allow-remote] [--faults RATE]
                           [--script-filled RATE] [--load-more] [--script-boxes]
                           [--sitemaps yoast|core] [--archive-only SHARE]
                           [--edited K] [--added N]
    python -m mirror generate --out DIR [--articles N] [--seed S] [--base-url URL] [...]
    python -m mirror truth --base-url URL [--articles N] [--seed S] [--out FILE] [...]

``--archive-only``, ``--edited`` and ``--added`` describe a variant of the same site
(``changes.SiteChanges``): serve the plain site, crawl, then serve it again with
``--edited 20 --added 30`` on the same port to test change detection.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from urllib.parse import unquote, urlsplit

from .changes import SiteChanges
from .generator import build_site, wp_quote
from .listing import page_count
from .server import Mirror, MirrorServer
from .sitemaps import STYLES
from .truth import ground_truth
from .variants import parse_fixed


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--articles", type=int, default=200, help="number of posts (>= 20)")
    parser.add_argument("--seed", type=int, default=1, help="generator seed")
    parser.add_argument("--archive-only", type=float, default=0.0, metavar="SHARE",
                        help="share of posts only the sitemaps list (no listing, box or feed)")
    parser.add_argument("--edited", type=int, default=0, metavar="K",
                        help="posts whose text and modified date changed since the plain site")
    parser.add_argument("--added", type=int, default=0, metavar="N",
                        help="new posts published after the plain site's newest")


def _changes(parser: argparse.ArgumentParser, args: argparse.Namespace) -> SiteChanges:
    try:
        return SiteChanges(args.archive_only, args.edited, args.added)
    except ValueError as exc:
        parser.error(str(exc))


def _markup(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--variant", action="append", default=[], metavar="AXIS=VARIANT",
                        help="pin one markup axis to one catalogued variant, e.g. "
                        "check_also=J-CA3 (repeatable; see mirror/variants.py)")
    parser.add_argument("--no-variant-mix", dest="variant_mix", action="store_false",
                        help="draw every page with the base variants instead of the mix")
    parser.add_argument("--theme-drift", action="store_true",
                        help="rename the themes' classes and ids on article pages (markup "
                        "the page objects do not know; WordPress metadata stays)")


def _markup_options(parser: argparse.ArgumentParser, args: argparse.Namespace) -> dict:
    try:
        variants = parse_fixed(args.variant)
    except ValueError as exc:
        parser.error(str(exc))
    return {"variant_mix": args.variant_mix, "variants": variants,
            "theme_drift": args.theme_drift}


def _write_jsonl(records: list[dict], out) -> None:
    for record in records:
        out.write(json.dumps(record, ensure_ascii=False) + "\n")


def serve(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m mirror", description="Serve the offline mirror on 127.0.0.1.",
        epilog="other commands: 'python -m mirror truth --base-url URL' prints the ground "
               "truth (the expected feed items); 'python -m mirror generate --out DIR' writes "
               "the site to disk. Each takes --help.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000, help="0 picks a free port")
    parser.add_argument("--log", help="access log, JSON Lines")
    parser.add_argument("--allow-remote", action="store_true",
                        help="allow binding a non-loopback address")
    parser.add_argument("--faults", type=float, default=0.0, metavar="RATE",
                        help="share of requests answered with a fault (5xx, reset, stall, "
                        "truncated body); each path fails at most twice in a row")
    parser.add_argument("--fault-stall", type=float, default=5.0, metavar="SECONDS")
    parser.add_argument("--script-filled", type=float, default=0.0, metavar="RATE",
                        help="share of article pages whose body an inline script fills in")
    parser.add_argument("--load-more", action="store_true",
                        help="list some posts only in a script-filled 'load more' list")
    parser.add_argument("--script-boxes", action="store_true",
                        help="fill the boxes that link some orphans by script")
    parser.add_argument("--sitemaps", choices=STYLES, default="yoast",
                        help="sitemap index style: Yoast's sitemap_index.xml or WordPress "
                        "core's wp-sitemap.xml")
    _common(parser)
    _markup(parser)
    args = parser.parse_args(argv)
    markup = _markup_options(parser, args)
    try:
        server = MirrorServer(args.articles, args.seed, host=args.host, port=args.port,
                              log_path=args.log, allow_remote=args.allow_remote,
                              faults=args.faults, fault_stall=args.fault_stall,
                              script_filled=args.script_filled,
                              script_boxes=args.script_boxes, load_more=args.load_more,
                              sitemaps=args.sitemaps, changes=_changes(parser, args),
                              **markup)
    except ValueError as exc:
        parser.error(str(exc))
    print(server.base_url + "/", flush=True)
    print(f"madar mirror: {args.articles} articles, seed {args.seed}; Ctrl-C stops",
          file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


def _site_paths(mirror: Mirror) -> list[str]:
    """Every page worth writing to disk (percent-encoded paths, as linked)."""
    site = mirror.site
    paths = ["/robots.txt", "/feed/", *mirror.sitemaps.paths(), *mirror.pages]
    paths += ["/" if n == 1 else f"/page/{n}/" for n in range(1, page_count(len(site.listed)) + 1)]
    for name, slug in site.categories.items():
        for n in range(1, page_count(len(site.by_category[name])) + 1):
            paths.append(f"/category/{wp_quote(slug)}/" + ("" if n == 1 else f"page/{n}/"))
    for name, posts in site.by_tag.items():
        for n in range(1, page_count(len(posts)) + 1):
            paths.append(f"/tag/{wp_quote(site.tags[name])}/" + ("" if n == 1 else f"page/{n}/"))
    for (year, month), posts in site.by_month.items():
        for n in range(1, page_count(len(posts)) + 1):
            paths.append(f"/date/{year:04d}/{month:02d}/" + ("" if n == 1 else f"page/{n}/"))
    for post in site.posts:
        paths += [post.path, post.path + "amp/"]
    return paths


def generate(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m mirror generate")
    parser.add_argument("--out", required=True, help="output directory")
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument("--sitemaps", choices=STYLES, default="yoast")
    _common(parser)
    _markup(parser)
    args = parser.parse_args(argv)
    changes = _changes(parser, args)
    markup = _markup_options(parser, args)
    base = args.base_url.rstrip("/")
    host = urlsplit(base).netloc
    out = Path(args.out)
    mirror = Mirror(args.articles, args.seed, cache_size=0, sitemaps=args.sitemaps,
                    changes=changes, **markup)
    written = 0
    for path in _site_paths(mirror):
        reply = mirror.respond(path, host)
        if reply.status != 200:
            continue
        # Decoded names: percent-encoded Arabic slugs exceed the 255-byte file name limit.
        target = out / unquote(path).lstrip("/")
        if path.endswith("/"):
            target = target / "index.html"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(reply.body)
        written += 1
    with open(out / "ground_truth.jsonl", "w", encoding="utf-8") as fh:
        _write_jsonl(ground_truth(base, args.articles, args.seed, changes), fh)
    print(f"wrote {written} pages and ground_truth.jsonl to {out}", file=sys.stderr)
    return 0


def truth(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m mirror truth")
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--out", help="JSON Lines file (default: stdout)")
    _common(parser)
    args = parser.parse_args(argv)
    changes = _changes(parser, args)
    build_site(args.articles, args.seed, changes)
    records = ground_truth(args.base_url, args.articles, args.seed, changes)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as fh:
            _write_jsonl(records, fh)
    else:
        _write_jsonl(records, sys.stdout)
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    commands = {"generate": generate, "truth": truth}
    if argv and argv[0] in commands:
        return commands[argv[0]](argv[1:])
    return serve(argv)


if __name__ == "__main__":
    sys.exit(main())
