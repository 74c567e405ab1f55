"""Small, deliberately naive readers for the demo files, used only by the tests.

The project's own readers in `pipelines` are tested against the demo generator, so the tests
of the generator must not use them. These helpers read just enough of SIE 4 and of the CSV
exports to check what the generator wrote.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

Token = str | list[str]


def tokenize(line: str) -> list[Token]:
    """Split one SIE line into words, quoted strings and `{...}` object lists.

    `#TRANS 5011 {1 "111101" 20 "010"} 100.00` gives
    `["#TRANS", "5011", ["1", "111101", "20", "010"], "100.00"]`.
    Inside quotes a backslash escapes the next character (`\\"` is a quote).
    """
    tokens, _ = _tokens(line, 0, in_braces=False)
    return tokens


def _tokens(line: str, pos: int, in_braces: bool) -> tuple[list, int]:
    out: list = []
    while pos < len(line):
        ch = line[pos]
        if ch in " \t":
            pos += 1
        elif ch == '"':
            text, pos = _quoted(line, pos + 1)
            out.append(text)
        elif ch == "{":
            if in_braces:
                raise ValueError(f"nested object list in {line!r}")
            inner, pos = _tokens(line, pos + 1, in_braces=True)
            out.append(inner)
        elif ch == "}":
            if not in_braces:
                raise ValueError(f"unexpected '}}' in {line!r}")
            return out, pos + 1
        else:
            start = pos
            while pos < len(line) and line[pos] not in ' \t"{}':
                pos += 1
            out.append(line[start:pos])
    if in_braces:
        raise ValueError(f"unclosed '{{' in {line!r}")
    return out, pos


def _quoted(line: str, pos: int) -> tuple[str, int]:
    """The text of a quoted string starting after its opening quote, and the position after."""
    chars = []
    while pos < len(line):
        ch = line[pos]
        if ch == "\\" and pos + 1 < len(line):
            chars.append(line[pos + 1])
            pos += 2
        elif ch == '"':
            return "".join(chars), pos + 1
        else:
            chars.append(ch)
            pos += 1
    raise ValueError(f"unterminated quote in {line!r}")


def object_dict(objects: list[str]) -> dict[str, str]:
    """`["1", "111101", "21", "84"]` -> `{"1": "111101", "21": "84"}`."""
    if len(objects) % 2:
        raise ValueError(f"odd object list {objects!r}")
    return dict(zip(objects[::2], objects[1::2], strict=True))


@dataclass
class Trans:
    line: int  # 1-based line number in the file
    account: str
    objects: dict[str, str]
    amount: Decimal


@dataclass
class Voucher:
    line: int  # line of the #VER
    series: str
    number: str
    date: str  # YYYYMMDD
    text: str
    rows: list[Trans] = field(default_factory=list)

    def total(self) -> Decimal:
        return sum((r.amount for r in self.rows), Decimal(0))


@dataclass
class SieFile:
    lines: list[str]  # decoded text lines; lines[0] is line 1
    accounts: dict[str, str]  # #KONTO number -> name
    vouchers: list[Voucher]

    def records(self, label: str) -> list[list[Token]]:
        """Tokens of every line that starts with `label` (e.g. "#RAR")."""
        return [tokenize(ln) for ln in self.lines if ln.split(" ", 1)[0] == label]

    def trans(self) -> list[tuple[Voucher, Trans]]:
        return [(v, r) for v in self.vouchers for r in v.rows]

    def voucher_at(self, line: int) -> Voucher:
        return next(v for v in self.vouchers if v.line == line)


def read_lines(path: Path) -> list[str]:
    """The lines of a CP437-encoded SIE file, without line endings."""
    text = path.read_bytes().decode("cp437")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [ln.removesuffix("\r") for ln in lines]


def parse_sie(path: Path) -> SieFile:
    lines = read_lines(path)
    accounts: dict[str, str] = {}
    vouchers: list[Voucher] = []
    current: Voucher | None = None
    for number, line in enumerate(lines, start=1):
        if line in ("{", "}"):
            continue
        tokens = tokenize(line)
        label = tokens[0]
        if label == "#KONTO":
            accounts[tokens[1]] = tokens[2]
        elif label == "#VER":
            current = Voucher(number, tokens[1], tokens[2], tokens[3], tokens[4])
            vouchers.append(current)
        elif label == "#TRANS":
            assert current is not None, f"#TRANS outside a voucher at line {number}"
            current.rows.append(
                Trans(number, tokens[1], object_dict(tokens[2]), Decimal(tokens[3]))
            )
    return SieFile(lines, accounts, vouchers)


def read_csv(path: Path, encoding: str = "utf-8", delimiter: str = ";") -> list[dict[str, str]]:
    """Rows of a CSV with a header line; row i of the result is line i + 2 of the file."""
    with path.open(encoding=encoding, newline="") as f:
        return list(csv.DictReader(f, delimiter=delimiter))


def decimal_comma(text: str) -> Decimal:
    """"1234,50" -> Decimal("1234.50")."""
    return Decimal(text.replace(",", "."))
