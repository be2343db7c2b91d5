"""Page objects on real pages of other sites that use Sahifa and Jannah (../shared/realpages).

The pages are not the project's: they are read from beside the repository and the test
skips when they are absent. Ground truth: ``*.truth.json`` (title, date, author where known;
``with``/``without`` snippets of the body).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from madar.pages import article_page_for
from madar.pages.body import is_chrome_line

REPO = Path(__file__).resolve().parents[2]
#: ../shared from the repository (a git worktree of it sits one level deeper).
FOLDER = next((p for p in (REPO.parent / "shared/realpages",
                           REPO.parent.parent / "shared/realpages") if p.is_dir()), None)
PAGES = sorted(FOLDER.glob("*.html")) if FOLDER else []

#: Site chrome these pages print inside their content container (advertisement label,
#: notification and "follow us" lines, copyright and disclaimer footers).
CHROME = ("ANZEIGE", "Folge uns auf", "kleine rote Glocke", "Alle Angaben ohne Gewähr",
          "© 2fly4", "Advertisement", "Newsletter", "Subscribe")

pytestmark = pytest.mark.skipif(not PAGES, reason="../shared/realpages is not beside the repo")


def _case(path: Path) -> tuple[dict, dict]:
    truth = json.loads(path.with_suffix(".truth.json").read_text(encoding="utf-8"))
    html = path.read_text(encoding="utf-8", errors="replace")
    page = article_page_for(truth["url"], html)
    assert page is not None, f"{path.name} not recognised as an article"
    item = page.to_item()
    return truth, {"title": item.title, "published": item.published, "author": item.author,
                   "text": item.text or "", "page": type(page).__name__}


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.stem)
def test_recognised_with_its_theme(path: Path) -> None:
    _, got = _case(path)
    theme = path.stem.rsplit("_", 1)[1]
    assert got["page"].lower().startswith(theme), got["page"]


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.stem)
def test_title_date_author_equal_the_ground_truth(path: Path) -> None:
    truth, got = _case(path)
    if "title" in truth:
        assert got["title"] == truth["title"]
    if "date" in truth:
        assert (got["published"] or "")[:10] == truth["date"]
    if "author" in truth:
        assert got["author"] == truth["author"]


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.stem)
def test_body_has_every_with_snippet_and_no_without_snippet(path: Path) -> None:
    truth, got = _case(path)
    text = re.sub(r"\s+", " ", got["text"])
    assert len(text) > 300
    for snippet in truth.get("with", []):
        assert snippet in text, snippet
    for snippet in truth.get("without", []):
        assert snippet not in text, snippet


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.stem)
def test_no_chrome_line_in_the_body(path: Path) -> None:
    _, got = _case(path)
    for paragraph in got["text"].split("\n\n"):
        assert not is_chrome_line(paragraph), paragraph
        for chrome in CHROME:
            assert chrome not in paragraph, paragraph
