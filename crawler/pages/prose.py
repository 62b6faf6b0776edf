"""Which lines are article text: the filters that drop byline, tool, caption, advertisement
and footer lines wherever they stand, and the sentence ends prose is told by.

Lines are ``str`` as :func:`crawler.text.clean_line` leaves them (trimmed, one line).
"""

from __future__ import annotations

import re

from crawler.pages.vocabulary import (AD_LINE, BOILERPLATE, BOILERPLATE_MAX_LEN, CAPTION, CAPTION_MAX_LEN, FOOTER,
                                      SHARE_PROMPT)

# The end of a sentence: Chinese and Latin end marks, an ellipsis, or a full stop before white
# space or the end ("3.5" and "www.example.cn" hold none).
SENTENCE_END = re.compile(r"[。！？!?…]|\.(?:\s|$)")
# Footer lines (FOOTER) are dropped up to this many characters; a longer line is prose.
FOOTER_MAX_LEN = 200


def is_prose(line: str) -> bool:
    """False for empty lines, byline/editor/tool lines and site footer lines."""
    if not line:
        return False
    if len(line) <= BOILERPLATE_MAX_LEN and (BOILERPLATE.match(line) or AD_LINE.match(line)):
        return False
    if len(line) <= CAPTION_MAX_LEN and (CAPTION.search(line) or SHARE_PROMPT.match(line)) \
            and not SENTENCE_END.search(line[-1:]):
        return False
    return not is_footer(line)


def is_footer(line: str) -> bool:
    """True for a site footer line (a licence, a copyright) of FOOTER_MAX_LEN characters at most."""
    return len(line) <= FOOTER_MAX_LEN and FOOTER.search(line) is not None
