"""The languages a post is written in: gettext catalogues, read with Babel.

The English prose is the message id in the templates; ``derive/locale/<lang>/LC_MESSAGES/
derive.po`` holds each translation. Catalogues are compiled in memory when first used, so
the repository holds only the text files translators edit.
"""

from __future__ import annotations

import gettext
import io
from functools import cache
from pathlib import Path

from derive.errors import InvalidParameter

LANGUAGES = ("en", "ko", "zh")
DOMAIN = "derive"
LOCALE_DIR = Path(__file__).parent / "locale"


def catalogue_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def translations(lang: str) -> gettext.NullTranslations:
    """The translations of ``lang``; English is the source text itself."""
    if lang not in LANGUAGES:
        raise InvalidParameter(f"no language '{lang}'; derive writes {', '.join(LANGUAGES)}")
    if lang == "en":
        return gettext.NullTranslations()
    # Babel only when a translation is asked for: it is not needed for English.
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with catalogue_path(lang).open("rb") as source:
        catalogue = read_po(source, locale=lang, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalogue)  # fuzzy entries are left out, so they fall back to English
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)
