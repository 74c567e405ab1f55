"""The fields of one SIE 4 line: tokenizer, amounts, dates, object lists and the #KSUMMA bytes.

`split_fields` is the general tokenizer; `fast_fields`, `plain_trans` and `plain_ver` are the
hot paths for the lines a ledger is made of (no escapes, at most the usual braces): they give
what the general tokenizer gives, or None to leave the line to it. Every refusal is a
ValueError whose message is the quarantine rule (Swedish).
"""

from __future__ import annotations

import codecs
import datetime as dt
import re
from functools import lru_cache
from pathlib import Path

from pipelines.ingest.tables import SIE_NUMBERS, amount_ore

# one field: a quoted string (with \" escapes), an object list {...}, or a bare word
_FIELD = re.compile(r'"((?:[^"\\]|\\.)*)"|\{([^}]*)\}|([^\s"{}]+)')
# the same, where a quote that is never closed runs to the end of the line (one last field)
_LINE_FIELD = re.compile(r'"((?:[^"\\]|\\.)*)"|"((?:[^"\\]|\\.)*)$|\{([^}]*)\}|([^\s"{}]+)')
_UNESCAPE = re.compile(r"\\(.)")
_ESCAPED = re.compile(r"\\.")
# 'NNN.NN', the common amount: the hot path's part of tables.SIE_NUMBERS
_PLAIN_AMOUNT = re.compile(r"-?[0-9]+\.[0-9][0-9]").fullmatch
CP437_SWEDISH = {0x86, 0x84, 0x94, 0x8F, 0x8E, 0x99, 0x82, 0x90}  # å ä ö Å Ä Ö é É
LATIN_SWEDISH = {0xE5, 0xE4, 0xF6, 0xC5, 0xC4, 0xD6, 0xE9, 0xC9}
_ASCII_BYTES = bytes(range(0x80))


# what a file that is no SIE file often is, by its first bytes: (signature, what it is, what
# to do); said instead of its bytes
NOT_SIE = (
    (b"PK\x03\x04", "en Excel-fil (xlsx) eller ett annat zip-arkiv",
     "exportera huvudboken som SIE 4 (.se) ur ekonomisystemet, eller läs arbetsboken som en "
     "källa av typen excel"),
    (b"\xd0\xcf\x11\xe0", "en äldre Excel-fil (xls)",
     "spara den som xlsx och läs den som en källa av typen excel, eller exportera SIE 4"),
    (b"%PDF", "en PDF-fil", "exportera huvudboken som SIE 4 (.se) ur ekonomisystemet"),
    (b"\xff\xfe", "UTF-16-kodad text", "spara filen som PC8 (CP437), UTF-8 eller "
     "ISO-8859-1, som SIE-formatet föreskriver"),
    (b"\xfe\xff", "UTF-16-kodad text", "spara filen som PC8 (CP437), UTF-8 eller "
     "ISO-8859-1, som SIE-formatet föreskriver"),
)


def not_sie(head: bytes) -> str | None:
    """What a file beginning with `head` is, and what to do, when its first bytes say it
    is no SIE text ("en Excel-fil (xlsx) ...; exportera ..."), else None. UTF-16 without a
    byte order mark shows as every other byte NUL."""
    for signature, what, todo in NOT_SIE:
        if head.startswith(signature):
            return f"{what}; {todo}"
    if len(head) >= 8 and b"\0\0\0\0" in (head[1::2][:4], head[0::2][:4]):
        return f"{NOT_SIE[3][1]}; {NOT_SIE[3][2]}"
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").lower().startswith((b"<!doctype html", b"<html")):
        return ("en webbsida (HTML), troligen en sida som sparades i stället för filen; hämta "
                "eller exportera SIE-filen igen")
    if b"\0" in head:
        return ("en binärfil, inte text; exportera huvudboken som SIE 4 (.se) ur "
                "ekonomisystemet")
    return None


def detect_encoding(path: Path) -> str:
    """CP437 as PC8 declares, unless the bytes say UTF-8 or ISO-8859-15."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    utf8_ok, high, cp437_hits, latin_hits = True, False, 0, 0
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            if chunk.isascii():
                continue
            high = True
            if utf8_ok:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    utf8_ok = False
            letters = chunk.translate(None, _ASCII_BYTES)  # the few bytes >= 0x80 only
            cp437_hits += sum(letters.count(b) for b in CP437_SWEDISH)
            latin_hits += sum(letters.count(b) for b in LATIN_SWEDISH)
    if not high:
        return "ascii"
    if utf8_ok:
        try:
            decoder.decode(b"", final=True)  # a multi-byte character cut off at the end
        except UnicodeDecodeError:
            utf8_ok = False
    if utf8_ok:
        return "utf-8"
    return "iso-8859-15" if latin_hits > cp437_hits else "cp437"


def split_fields(line: str) -> list[str | dict[str, str]]:
    """Fields of one line; an object list becomes a dict {dimension: object}. A quote that is
    never closed runs to the end of the line: what follows it is its text, never the next
    fields (a quantity is not taken out of a broken text; a field it hides is missing)."""
    out: list[str | dict[str, str]] = []
    for m in _LINE_FIELD.finditer(line):
        quoted, open_quoted, objs, bare = m.groups()
        if objs is not None:
            if "{" in objs:
                raise ValueError("'{' inuti en objektlista")
            out.append(parse_objects(objs))
        elif quoted is not None:
            out.append(_UNESCAPE.sub(r"\1", quoted))
        elif open_quoted is not None:
            out.append(_UNESCAPE.sub(r"\1", open_quoted).rstrip())
        else:
            out.append(bare)
    return out


def _words(text: str) -> list[str] | None:
    """Bare words and quoted strings (without escapes) in order; None if a quote is open."""
    if '"' not in text:
        return text.split()
    parts = text.split('"')
    if len(parts) % 2 == 0:
        return None
    words: list[str] = []
    for k, part in enumerate(parts):
        if k % 2:
            words.append(part)  # a quoted string, spaces and all
        else:
            words.extend(part.split())
    return words


def fast_fields(line: str) -> list[str | dict[str, str]] | None:
    """The fields of a line without escapes, e.g. `#TRANS 6421 {1 "121101"} 163.86` or
    `#VER LF 509 20250201 "Atea faktura"`: the common case, without the regex tokenizer.
    None when the line needs the full tokenizer (escapes, stray or nested braces)."""
    if "\\" in line:
        return None
    start, end = line.find("{"), line.find("}")
    if start < 0:
        return None if end >= 0 else _words(line)
    if end < start or "{" in line[start + 1:end] or "{" in line[end:] or "}" in line[end + 1:]:
        return None
    head, objs, tail = _words(line[:start]), _words(line[start + 1:end]), _words(line[end + 1:])
    if head is None or objs is None or tail is None or len(objs) % 2:
        return None
    objects = {objs[i].strip(): objs[i + 1].strip() for i in range(0, len(objs), 2)}
    return [*head, objects, *tail]


def parse_objects(text: str) -> dict[str, str]:
    """'1 "456" 6 "P1"' -> {"1": "456", "6": "P1"}; codes are trimmed of padding."""
    if _ESCAPED.sub("", text).count('"') % 2:
        raise ValueError("objektlistan har ett citattecken utan slut")
    words = [_UNESCAPE.sub(r"\1", q) if q is not None else b
             for q, _, b in (m.groups() for m in _FIELD.finditer(text))]
    if len(words) % 2:
        raise ValueError("objektlistan har en dimension utan objekt")
    return {words[i].strip(): words[i + 1].strip() for i in range(0, len(words), 2)}


# #KSUMMA, as implemented here. SIE 4B (the section on "Kontrollsummering") puts a #KSUMMA
# without a value near the start of the file and a closing `#KSUMMA <crc>` at the end; the CRC
# is the ordinary CRC-32 (polynomial 0xEDB88320, start and final XOR 0xFFFFFFFF: zlib.crc32)
# over every record between the two. Our reading of which bytes count, which we could not
# check against the spec's own worked example (we had its table of contents and other
# readers' tests, not the section's text):
# - per record, its label as written (`#TRANS`) and the contents of its fields in order;
#   field separators (spaces, tabs), the quotes around a quoted field, the braces of an object
#   list and the line end are left out; spaces inside a quoted field count, and an escaped
#   quote (\") counts as the quote character alone;
# - an object list counts as its dimension and object words, as written (not trimmed);
# - the two #KSUMMA records themselves and the `{` / `}` lines of voucher blocks add nothing;
#   a line that does not start with # is quarantined and adds nothing either;
# - the bytes are those of the file's encoding: PC8 (CP437) as the spec prescribes, or the
#   encoding detected when a file says PC8 but is written otherwise (so a program that
#   summed its own bytes still verifies);
# - the value may be written unsigned or as a signed 32-bit number; both are accepted.
def checksum_bytes(line: str, encoding: str) -> bytes:
    """What #KSUMMA covers of one record (a stripped line), as bytes; see the note above."""
    parts: list[str] = []
    for quoted, listed, bare in (m.groups() for m in _FIELD.finditer(line)):
        if listed is not None:
            parts.extend(_UNESCAPE.sub(r"\1", q) if q is not None else b
                         for q, _, b in (m.groups() for m in _FIELD.finditer(listed)))
        elif quoted is not None:
            parts.append(_UNESCAPE.sub(r"\1", quoted))
        else:
            parts.append(bare)
    return "".join(parts).encode("cp437" if encoding == "ascii" else encoding, errors="replace")


def parse_amount(text: str) -> int:
    """'1234.5' -> 123450 öre; SIE's form of a number (tables.SIE_NUMBERS): ASCII digits,
    '.' decimals (at most two), at most one leading sign."""
    if _PLAIN_AMOUNT(text):
        return int(text.replace(".", ""))  # the common case, 'NNN.NN': drop the point
    return amount_ore(text, SIE_NUMBERS)


def is_amount(text: object) -> bool:
    """Whether a field reads as an amount (for the shapes where the object list is left out)."""
    if not isinstance(text, str):
        return False
    try:
        parse_amount(text)
    except ValueError:
        return False
    return True


@lru_cache(maxsize=4096)  # a ledger repeats a few hundred dates; a date is immutable
def parse_date(text: str) -> dt.date:
    """'20250105' -> date(2025, 1, 5). Lenient with one readable variant: '2025-01-05' (ISO,
    as some exports write it) is the same day; nothing else is guessed."""
    if len(text) == 10 and text[4] == "-" and text[7] == "-":
        text = text[:4] + text[5:7] + text[8:]
    if len(text) != 8 or not text.isdigit() or not text.isascii():
        raise ValueError(f"'{text}' är inget datum ÅÅÅÅMMDD")
    try:
        return dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:  # e.g. 20250230
        raise ValueError(f"'{text}' är inget datum (dagen finns inte)") from None


def looks_like_text(field: str, raw: str) -> bool:
    """A field that is no date and was not meant as one: quoted in the line `raw`, as SIE
    writes texts, and holding a letter (a #TRANS whose producer left out the transdat and
    wrote its text in its place). Bare characters in the date's place stay an error."""
    return any(ch.isalpha() for ch in field) and f'"{field}"' in raw


def parse_period(text: str) -> str:
    """'202501' -> '202501'; a period is ÅÅÅÅMM with a month 01-12."""
    if len(text) != 6 or not text.isdigit() or not text.isascii() \
            or not 1 <= int(text[4:]) <= 12:
        raise ValueError(f"perioden '{text}' är inte ÅÅÅÅMM")
    return text


def parse_account(text: str) -> str:
    """An account number: digits only (Kommun-Bas, BAS)."""
    if not text or not text.isdigit() or not text.isascii():
        raise ValueError(f"'{text}' är inget kontonummer")
    return text


def parse_year_index(text: str) -> int:
    """The year of #RAR, #IB, #PBUDGET ...: 0 the current fiscal year, -1 the one before."""
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"årsnumret '{text}' är inget tal (0, -1 ...)") from None
