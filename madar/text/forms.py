"""Arabic presentation forms: folded back to the letters they draw.

Presentation forms (U+FB50–U+FDFF, U+FE70–U+FEFE) are glyph shapes that old tools and PDF
copy-paste put into text (``ﻻ`` for ``لا``, ``ﺍ`` for ``ا``). They look right but match nothing,
so they are folded with NFKC — on those characters only: NFKC on the whole text would also
rewrite ``½``, ``™``, ``…``, superscripts and full-width forms that the site published on purpose.

Two ligatures are mapped explicitly because NFKC leaves them alone or gives a Persian spelling:

- ``﷽`` (U+FDFD, no decomposition) → ``بسم الله الرحمن الرحيم``, the words it draws;
- ``﷼`` (U+FDFC, NFKC gives ``ریال`` with a Persian yeh) → ``ريال`` with the Arabic yeh.

U+FEFF (the byte-order mark) sits inside the second block but is not a form; it is left to
the invisible-character cleanup.
"""

from __future__ import annotations

import re
import unicodedata

BISMILLAH = "بسم الله الرحمن الرحيم"
RIAL = "ريال"

_EXPLICIT = {"\ufdfd": BISMILLAH, "\ufdfc": RIAL}

PRESENTATION_FORMS_RE = re.compile("[\ufb50-\ufdff\ufe70-\ufefe]+")
#: One character is enough to know (a search without ``+`` runs about 8x faster).
PRESENTATION_FORM_RE = re.compile("[\ufb50-\ufdff\ufe70-\ufefe]")


def _fold_run(match: re.Match[str]) -> str:
    run = match.group()
    if "\ufdfd" in run or "\ufdfc" in run:
        return "".join(_EXPLICIT.get(ch) or unicodedata.normalize("NFKC", ch) for ch in run)
    return unicodedata.normalize("NFKC", run)


def fold_presentation_forms(text: str) -> str:
    """Replace Arabic presentation forms by the plain letters (NFKC, on those runs only)."""
    return PRESENTATION_FORMS_RE.sub(_fold_run, text)
