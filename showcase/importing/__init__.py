"""`build.py import`: the files authors receive (Excel honour lists, Word experience reports)
turned into the site's own formats, written where the build reads them."""
from __future__ import annotations

import codecs


def decoded(data: bytes) -> str | None:
    """Text as Windows tools save it: UTF-8 (with or without a BOM), UTF-16 with a BOM
    (Notepad's "Unicode"), or GBK (Excel's CSV and Notepad's ANSI on Chinese Windows); None
    when it is none of them."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings = ("utf-16",)
    else:
        encodings = ("utf-8-sig", "gb18030")
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None
