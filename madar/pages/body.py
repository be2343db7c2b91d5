"""The article body: paragraphs without boilerplate, the dateline, the images.

What counts as boilerplate and which datelines are read: docs/theme-markup.md, "How madar
reads the markup".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from lxml import etree

from madar.pages.document import (
    BREAKING_TAGS,
    HtmlDocument,
    classes,
    collapse,
    element_text,
    tag_of,
)
from madar.text.arabic import fold_arabic

#: Tags never read as text (images are collected separately).
SKIP_TAGS = frozenset({
    "script", "style", "noscript", "template", "iframe", "form", "button", "svg", "select",
    "textarea", "input", "ins", "object", "embed", "video", "audio", "canvas", "map",
    "figcaption", "img", "amp-img", "amp-ad", "amp-embed", "amp-iframe", "picture", "source",
    "nav", "aside", "label",
})
#: class/id words that mark a box that is not article text.
BOILERPLATE = re.compile(
    r"(?:^|[\s_-])(?:share|sharing|sharedaddy|social|shortlink|short-link|post-tag|tagcloud|tags|"
    r"check-also|related|yarpp|jp-relatedposts|ads?|adsbygoogle|advert|advertisement|"
    r"banner|sponsor(?:ed)?|e3lan|stream-item|author|comments?|respond|caption|newsletter|"
    r"subscribe|breadcrumbs?|crumbs|post-meta|print|rating|widget|wp-block-embed|"
    r"read-also|readalso|more-posts|loading|spinner|preloader|sub-title|subtitle|"
    r"bannerize|adsense|addtoany|a2a|heateor|mc4wp|mailchimp|signup|optin|disclaimer|"
    r"follow-us|followus|jp-relatedposts|crp|story-highlights|post-bottom-meta|"
    r"multiple-post-pages|page-links?|edit-link|code-block)(?:$|[\s_-])")
_MEDIA = frozenset({"img", "amp-img", "picture", "video", "iframe", "amp-iframe"})
# The phrase patterns below are matched against fold_arabic(text), so they are folded too.
_READ_ALSO = re.compile(fold_arabic(r"^\W*(?:ا?قرا|طالع|شاهد|تابع)\s*(?:ايضا|كذلك|المزيد)"))
_SHORTLINK_LABEL = re.compile(fold_arabic(r"^\W*الرابط المختصر"))
#: What is not a letter or digit: a text's letters and digits are what is left without it.
_NOT_WORDLIKE = re.compile(r"[\W_]+")
_DASH = r"(?:[–—-]+|\s\u0640+\s)"
#: Who is credited after the place: the site (``خاص``: an exclusive), the agencies, or an
#: agency in brackets.
_CREDIT = (r"(?:(?:خاص\s*(?:[-–—:]\s*)?)?(?:موقع\s*)?مدار\s*اليوم|وكالات|رويترز|"
           r"[اأ]\.?\s?ف\.?\s?ب|فرانس\s*برس|ال[اأ]ناضول|سانا|د\.?\s?ب\.?\s?[اأ]|سبوتنيك|"
           r"[اأ]سوشيتد\s*برس|"
           r"\([^()\n]{1,30}\))")
#: A dateline opening a paragraph: the place (up to 40 characters, no punctuation), then
#: a dash and a credit, or the credit in brackets and a dash.
DATELINE = re.compile(
    rf"^\s*(?P<place>[^\s–—\-:.()\u0640][^–—\-:.()\n\u0640]{{0,40}}?)\s*"
    rf"(?:{_DASH}\s*{_CREDIT}(?!\w)|\([^()\n]{{1,30}}\)\s*{_DASH})"
    rf"\s*[:،,.–—-]?\s*(?P<rest>.*)$", re.S)
#: Lines that are the site's or a plugin's chrome, not the story: an advertisement label,
#: "follow us", newsletter and notification prompts, disclaimers, copyright (Arabic, then
#: the English and German of the themes' other users).
_AD_LABEL = re.compile(fold_arabic(
    r"^\W*(?:اعلان|مساحة اعلانية|advertisement|sponsored|anzeige|werbung)\s*(?:$|[-–—:|])"),
    re.I)
_SOCIAL = (r"(?:فيسبوك|فيس\s*بوك|تويتر|تلغرام|تليغرام|يوتيوب|انستغرام|انستجرام|واتساب|"
           r"مواقع|صفحت|قنات|حساب)")
_CHROME_LINE = re.compile(fold_arabic(
    rf"^\W*(?:تابعونا\s*(?:على|عبر|في)|تابعنا\s*(?:على|عبر)\s*{_SOCIAL}|"
    r"اشترك(?:وا)?\s*(?:الان|(?:في|ب)\s*(?:النشرة|نشرتنا|قناتنا|خدمة|موقع|صفحتنا))|"
    r"للاشتراك\s*(?:في|ب)|النشرة\s*البريدية|القائمة\s*البريدية|جميع\s*الحقوق\s*محفوظة|"
    r"اخلاء\s*(?:ال)?مسؤولية|الاراء\s*الواردة|المقال(?:ات)?\s*(?:المنشورة\s*)?(?:تعبر|يعبر)|"
    r"follow\s+us|subscribe|sign\s+up\s+(?:for|to)|newsletter|disclaimer|"
    r"all\s+rights\s+reserved|copyright|©|"
    r"folg(?:e|t)\s+uns|abonniere|alle\s+angaben\s+ohne\s+gew[äa]hr|haftungsausschluss)"),
    re.I)
#: The same kinds of line when the phrase is not at the start ("للمزيد تابعونا على …",
#: "هذا المقال يعبر عن رأي كاتبه ولا يعبر بالضرورة عن رأي الموقع"). A new phrase needs a part
#: in _CHROME_INSIDE_GATE (a test checks each phrase holds one).
_CHROME_INSIDE = re.compile(fold_arabic(
    rf"تابعونا\s*(?:على|عبر)|(?:تابعنا|تابعوا)\s*(?:على|عبر)\s*{_SOCIAL}|"
    r"(?:اشترك(?:وا)?|للاشتراك)\s*(?:في|ب)\s*(?:النشرة|نشرتنا|قناتنا)|(?:سجل|ادخل)\s*بريدك|"
    r"لا\s*(?:تعبر|يعبر|تعكس|يعكس)\s*بالضرورة|(?:تعبر|يعبر)\s*عن\s*(?:راي|اراء)\s*(?:كاتب|كتاب|صاحب)|"
    r"do\s+not\s+necessarily\s+reflect|stellen\s+keinesfalls\s+die\s+meinung"), re.I)
#: A part of every phrase above (of the Latin ones, the last letter, either case): a line
#: without one is not searched (~8 us a line).
_CHROME_INSIDE_GATE = (*map(fold_arabic, ("تابع", "شتر", "بريدك", "بالضرورة", "عبر")),
                       "t", "T", "g", "G")
_CHROME_MAX_WORDS = 60
#: A one-line paragraph is folded as a block and as a line; footers repeat across pages.
_fold = lru_cache(maxsize=1024)(fold_arabic)
#: After a chrome line, a line this long is the story again (not the footer).
_PROSE_WORDS = 25


def _wordlike(text: str) -> int:
    """How many letters and digits a text holds (no list of its characters)."""
    return len(_NOT_WORDLIKE.sub("", text))


def is_boilerplate_element(element: Any, tag: str | None = None) -> bool:
    """Tags and class/id markers of boxes that are never article text (``tag``: known)."""
    tag = tag_of(element) if tag is None else tag
    if not tag or tag in SKIP_TAGS:
        return True
    marks = classes(element)
    if marks != " " and BOILERPLATE.search(marks):  # " ": neither class nor id
        return True
    return tag == "figure" and any(tag_of(d) in _MEDIA for d in element.iter())


#: Stands for a ``<br>`` inside a block (a control character: never left in parsed text).
_LINE_BREAK = "\x01"


@dataclass
class _Block:
    parts: list[str]
    link_chars: int = 0

    def lines(self) -> list[str]:
        """The ``<br>``-separated lines, whitespace collapsed, empty ones dropped."""
        text = "".join(self.parts)
        if _LINE_BREAK not in text:  # most blocks: one line, or only whitespace
            return [line] if (line := collapse(text)) else []
        return [line for line in map(collapse, text.split(_LINE_BREAK)) if line]


def _blocks(container: Any) -> list[_Block]:
    blocks = [_Block([])]  # the last one is being filled
    _walk_blocks(container, container.tag.lower(), False, blocks)
    return [block for block in blocks if block.parts]


def _add_text(block: _Block, text: str | None, in_link: bool) -> None:
    if text:
        block.parts.append(text)
        if in_link:
            block.link_chars += _wordlike(text)


def _walk_blocks(el: Any, tag: str, in_link: bool, blocks: list[_Block]) -> None:
    """Module-level, not a closure: a recursive closure is a reference cycle per call."""
    breaking = tag in BREAKING_TAGS and tag != "br"
    if breaking and blocks[-1].parts:
        blocks.append(_Block([]))
    elif tag == "br":
        blocks[-1].parts.append(_LINE_BREAK)
    in_link = in_link or tag == "a"
    _add_text(blocks[-1], el.text, in_link)
    for child in el:
        if not is_boilerplate_element(child, child_tag := tag_of(child)):
            _walk_blocks(child, child_tag, in_link, blocks)
        _add_text(blocks[-1], child.tail, in_link)
    if breaking and blocks[-1].parts:
        blocks.append(_Block([]))


def _is_noise(block: _Block, text: str) -> bool:
    if block.link_chars and block.link_chars >= _wordlike(text):
        return True  # a paragraph that is only a link: ad, "read also", related post
    folded = _fold(text)
    if _READ_ALSO.match(folded) and (block.link_chars or _wordlike(text) < 120):
        return True
    return bool(_SHORTLINK_LABEL.match(folded))


def is_ad_label(line: str) -> bool:
    """A short line announcing an advertisement (``إعلان``, ``Advertisement``, ``Anzeige``)."""
    return len(line.split(None, 12)) <= 12 and bool(_AD_LABEL.match(_fold(line)))


def is_footer_line(line: str) -> bool:
    """A "follow us", newsletter, disclaimer or copyright line: the site's, not the story's."""
    if len(line.split(None, _CHROME_MAX_WORDS)) > _CHROME_MAX_WORDS:
        return False
    folded = _fold(line)
    return bool(_CHROME_LINE.match(folded) or (
        any(map(folded.__contains__, _CHROME_INSIDE_GATE)) and _CHROME_INSIDE.search(folded)))


def is_chrome_line(line: str) -> bool:
    return is_ad_label(line) or is_footer_line(line)


def body_paragraphs(container: Any) -> list[str]:
    """Paragraph texts of a body container, boilerplate removed, page order.

    An advertisement label goes with the short lines after it in its paragraph (the ad). A
    footer line goes with the short lines before it in its paragraph; when no prose line
    follows it, so does the rest of the body.
    """
    lines: list[tuple[int, str]] = []  # (paragraph number, line)
    footer_from: int | None = None
    for number, block in enumerate(_blocks(container)):
        block_lines = block.lines()
        text = " ".join(block_lines)  # the block's text, whitespace collapsed
        if not text or _is_noise(block, text):
            continue
        in_ad = False
        for line in block_lines:
            if is_ad_label(line):
                in_ad = True
                continue
            if in_ad and len(line.split()) < _PROSE_WORDS:
                continue
            in_ad = False
            if is_footer_line(line):
                start = len(lines)
                while (start > 0 and lines[start - 1][0] == number
                       and len(lines[start - 1][1].split()) < _PROSE_WORDS):
                    start -= 1
                del lines[start:]  # the short lines that lead up to it
                if footer_from is None:
                    footer_from = start
                continue
            if footer_from is not None and len(line.split()) >= _PROSE_WORDS:
                footer_from = None
            lines.append((number, line))
    if footer_from is not None:
        del lines[footer_from:]
    paragraphs: dict[int, list[str]] = {}
    for number, line in lines:
        paragraphs.setdefault(number, []).append(line)
    return [" ".join(parts) for parts in paragraphs.values()]


def split_dateline(paragraphs: list[str]) -> tuple[str | None, list[str]]:
    """(place, paragraphs without the dateline); the place is None when there is none."""
    if not paragraphs:
        return None, paragraphs
    match = DATELINE.match(paragraphs[0])
    if not match:
        return None, paragraphs
    place = collapse(match["place"])
    rest = collapse(match["rest"])
    return place, ([rest] if rest else []) + paragraphs[1:]


# --- Images -------------------------------------------------------------------------------

_LAZY_ATTRIBUTES = ("data-src", "data-lazy-src", "data-original", "data-lazy", "data-orig-file",
                    "data-full-url")
_PLACEHOLDER = re.compile(r"^data:|lazy|placeholder|blank\.(?:gif|png)|spacer|1x1|pixel\.gif",
                          re.I)


def image_url(document: HtmlDocument, img: Any) -> str | None:
    """The real image URL: lazy-load attributes over a placeholder ``src``."""
    for name in _LAZY_ATTRIBUTES:
        url = document.absolute(img.get(name))
        if url:
            return url
    for name in ("data-srcset", "srcset"):
        candidates = (img.get(name) or "").split(",")
        if candidates[0].strip():
            url = document.absolute(candidates[0].strip().split()[0])
            if url and not _PLACEHOLDER.search(candidates[0]):
                return url
    src = img.get("src")
    if src and not _PLACEHOLDER.search(src):
        return document.absolute(src)
    return None


_BACKGROUND_URL = re.compile(r"background(?:-image)?\s*:[^;]*url\(\s*['\"]?([^'\")]+)")


def background_image_url(document: HtmlDocument, element: Any) -> str | None:
    """The URL of an element's inline ``background-image: url(…)``, if any."""
    if element is None:
        return None
    match = _BACKGROUND_URL.search(element.get("style") or "")
    return document.absolute(match[1].strip()) if match else None


def image_caption(img: Any, stop: Any) -> str | None:
    """The caption of the figure (or ``.wp-caption``) holding an image, if any."""
    for ancestor in img.iterancestors():
        if ancestor is stop:
            break
        tag = tag_of(ancestor)
        marks = classes(ancestor)
        if tag == "figure" or "wp-caption" in marks or "gallery-item" in marks:
            for el in ancestor.iter(etree.Element):  # elements only, no comments
                marks = classes(el)
                if tag_of(el) == "figcaption" or "caption-text" in marks or (
                        "gallery-caption" in marks):
                    return element_text(el)
            return None
    return None


def _inside_boilerplate(img: Any, stop: Any) -> bool:
    for ancestor in img.iterancestors():
        if ancestor is stop:
            return False
        tag = tag_of(ancestor)
        if tag in ("a", "figure", "noscript", "picture"):
            continue
        marks = classes(ancestor)
        if tag in SKIP_TAGS or BOILERPLATE.search(marks):
            # captions hold no images; a caption box holding one is a figure wrapper
            if "caption" in marks and "text" not in marks:
                continue
            return True
    return False


def body_images(document: HtmlDocument, container: Any) -> list[tuple[str, str | None]]:
    """(url, caption) of the images inside the body, page order, ads/boxes excluded."""
    found: list[tuple[str, str | None]] = []
    for img in container.iter("img", "amp-img"):
        marks = classes(img)
        if "emoji" in marks or "wp-smiley" in marks or _inside_boilerplate(img, container):
            continue
        url = image_url(document, img)
        if url:
            found.append((url, image_caption(img, container)))
    return found
