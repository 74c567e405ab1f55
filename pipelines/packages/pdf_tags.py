"""Row headers in the structure tree. The first cell of each body row of a table (the unit, the
cost category, the goal the row is about) is a row header: TH with Scope Row, and the row's
other cells name it in their Headers, as PDF/UA asks. Typst tags the cells of `table.header`
as column headers (TH, Scope Column) by itself, but says a body cell is a row header only
through `pdf.header-cell(scope: "row")`, a function behind the `a11y-extras` feature flag;
the Python binding (typst 0.15.2, Typst 0.15.1) enables no such flag (its World is built
with the html feature only, and TYPST_FEATURES is read by Typst's command line alone), and a
cell's kind is internal to Typst. So `tag_row_headers` finishes the tagging on Typst's own
output: it turns each such TD into the TH that Typst itself writes for
`pdf.header-cell(scope: "row")` (its /ID as Typst names cells, U<table>x<column>y<row>,
listed in the /IDTree), and rewrites the file with one cross-reference table, every other
object byte for byte as Typst wrote it.

This is a stopgap: a small reader and writer of the PDF objects Typst writes uncompressed.
Replace it with Typst's own `pdf.header-cell(scope: "row")` once the Python binding builds
Typst with the a11y-extras feature, or with a PDF library (pikepdf) if one joins the
dependencies.
"""

from __future__ import annotations

import re
from typing import NamedTuple

# A small reader and writer of the PDF objects Typst writes uncompressed: dictionaries, arrays,
# names, strings, numbers and references. A value it does not change is written back as read.


class _Name(str):
    """A PDF name as written, with its slash: '/TD'."""


class _Raw(bytes):
    """A token kept as written: a number, a string, true, false, null."""


class _Ref(NamedTuple):
    number: int
    generation: int


_SPACES = re.compile(rb"\s*")
_OBJECT = re.compile(rb"(\d+) (\d+) obj")
_SUBSECTION = re.compile(rb"(\d+) (\d+)[ \t]*(\r\n|\n|\r)")  # of a cross-reference table
_OCTAL = re.compile(rb"[0-7]{1,3}")
_REGULAR = rb"[^\s()<>\[\]{}/%]"
# one token of an object: a reference, a name, a string, a bracket, a number or keyword
_TOKEN = re.compile(rb"(?:\s|%[^\r\n]*)*(?:"
                    rb"(?P<ref>\d+\s+\d+\s+R)(?!" + _REGULAR + rb")"
                    rb"|(?P<name>/" + _REGULAR + rb"*)"
                    rb"|(?P<string>\((?:[^()\\]|\\.)*\))"
                    rb"|(?P<open><<|\[)|(?P<close>>>|\])"
                    rb"|(?P<hex><[0-9A-Fa-f\s]*>)"
                    rb"|(?P<nested>\()"
                    rb"|(?P<word>" + _REGULAR + rb"+))", re.S)


class _Unreadable(ValueError):
    """Not a file, or an object, this reader handles: the PDF is left as Typst wrote it."""


def _nested_string(data: bytes, pos: int) -> int:
    """The end of a literal string with nested parentheses that starts at pos."""
    depth, end = 0, pos
    while end < len(data):
        if data[end] == 0x5C:
            end += 2
            continue
        depth += {0x28: 1, 0x29: -1}.get(data[end], 0)
        end += 1
        if depth == 0:
            return end
    raise _Unreadable("a string that does not end")


def _value(data: bytes, pos: int):
    """(the value at pos, the position after it)."""
    stack: list = []  # the open dictionaries and arrays, as lists of their items
    while True:
        token = _TOKEN.match(data, pos)
        if not token:
            raise _Unreadable(f"no object at {pos}")
        pos, kind = token.end(), token.lastgroup
        if kind == "open":
            stack.append([token.group(kind)])
            continue
        if kind == "close":
            if not stack:
                raise _Unreadable("a bracket that closes nothing")
            opened, *items = stack.pop()
            if opened == b"[":
                value = items
            else:
                if len(items) % 2 or not all(isinstance(k, _Name) for k in items[::2]):
                    raise _Unreadable("a dictionary that is not keys and values")
                value = dict(zip(items[::2], items[1::2], strict=True))
        elif kind == "ref":
            number, generation, _ = token.group(kind).split()
            value = _Ref(int(number), int(generation))
        elif kind == "name":
            value = _Name(token.group(kind).decode("latin-1"))
        elif kind == "nested":
            start = token.start(kind)
            pos = _nested_string(data, start)
            value = _Raw(data[start:pos])
        else:
            value = _Raw(token.group(kind))
        if not stack:
            return value, pos
        stack[-1].append(value)


def _write(value) -> bytes:
    if isinstance(value, dict):
        return b"<<" + b"".join(_write(k) + b" " + _write(v) for k, v in value.items()) + b">>"
    if isinstance(value, list):
        return b"[" + b" ".join(_write(v) for v in value) + b"]"
    if isinstance(value, _Ref):
        return b"%d %d R" % value
    if isinstance(value, _Name):
        return value.encode("latin-1")
    return bytes(value)


def _text(token) -> bytes:
    """A string token's bytes (for an /ID)."""
    raw = bytes(token)
    if raw.startswith(b"<"):
        digits = re.sub(rb"[^0-9A-Fa-f]", b"", raw)
        return bytes.fromhex((digits + b"0" * (len(digits) % 2)).decode())
    out, i, body = bytearray(), 0, raw[1:-1]
    escapes = {ord("n"): b"\n", ord("r"): b"\r", ord("t"): b"\t", ord("b"): b"\b",
               ord("f"): b"\f"}
    while i < len(body):
        if body[i] == 0x5C and i + 1 < len(body):
            octal = _OCTAL.match(body, i + 1)
            if octal:
                out.append(int(octal.group(), 8) & 0xFF)
                i = octal.end()
                continue
            if body[i + 1] not in b"\r\n":
                out += escapes.get(body[i + 1], bytes([body[i + 1]]))
            i += 2
            continue
        out.append(body[i])
        i += 1
    return bytes(out)


def _string(text: str) -> _Raw:
    assert re.fullmatch(r"[A-Za-z0-9]+", text)
    return _Raw(b"(" + text.encode("ascii") + b")")


class _File:
    """A PDF as Typst writes it: one revision, one cross-reference table, no object streams.
    Objects are read when asked and can be replaced; write() gives the whole file anew."""

    def __init__(self, data: bytes):
        self.data = data
        found = re.search(rb"startxref\s+(\d+)\s+%%EOF\s*$", data[-1024:])
        if not found:
            raise _Unreadable("no startxref at the end")
        self.xref = int(found.group(1))
        if not data.startswith(b"xref", self.xref):
            raise _Unreadable("a cross-reference stream")
        pos, self.sections = self.xref + 4, []  # [(first number, [20-byte entries])]
        while True:
            pos = _SPACES.match(data, pos).end()
            if data.startswith(b"trailer", pos):
                break
            head = _SUBSECTION.match(data, pos)
            if not head:
                raise _Unreadable("a cross-reference table Typst did not write")
            first, count, pos = int(head.group(1)), int(head.group(2)), head.end()
            self.sections.append((first, [data[pos + 20 * i:pos + 20 * (i + 1)]
                                          for i in range(count)]))
            pos += 20 * count
        self.trailer_at = pos
        self.trailer, _ = _value(data, pos + len(b"trailer"))
        if {"/Prev", "/XRefStm", "/Encrypt"} & set(self.trailer):
            raise _Unreadable("an updated, hybrid or encrypted file")
        self.offsets = {}
        for first, entries in self.sections:
            for i, entry in enumerate(entries):
                if entry[17:18] == b"n":
                    self.offsets[first + i] = int(entry[:10])
        self.cache: dict[int, object] = {}
        self.replaced: dict[int, object] = {}

    def get(self, value):
        """The object a reference points to (any other value as it is)."""
        if not isinstance(value, _Ref):
            return value
        if value.number in self.replaced:
            return self.replaced[value.number]
        if value.number not in self.cache:
            pos = self.offsets[value.number]
            head = _OBJECT.match(self.data, pos)
            if not head or int(head.group(1)) != value.number:
                raise _Unreadable(f"object {value.number} is not where the table says")
            self.cache[value.number], _ = _value(self.data, head.end())
        return self.cache[value.number]

    def replace(self, ref: _Ref, value) -> None:
        self.replaced[ref.number] = value

    def write(self) -> bytes:
        order = sorted(self.offsets, key=self.offsets.get)
        ends = [self.offsets[n] for n in order[1:]] + [self.xref]
        out = bytearray(self.data[:self.offsets[order[0]]])
        moved = {}
        for number, end in zip(order, ends, strict=True):
            moved[number] = len(out)
            if number in self.replaced:
                generation = _OBJECT.match(self.data, self.offsets[number]).group(2)
                out += b"%d %s obj\n" % (number, generation) + _write(
                    self.replaced[number]) + b"\nendobj\n"
            else:
                out += self.data[self.offsets[number]:end]
        xref = len(out)
        out += b"xref\n"
        for first, entries in self.sections:
            out += b"%d %d\n" % (first, len(entries))
            for i, entry in enumerate(entries):
                number = first + i
                out += (b"%010d" % moved[number] + entry[10:]) if number in moved else entry
        tail = self.data[self.trailer_at:]
        out += tail[:tail.index(b"startxref")] + b"startxref\n%d\n%%%%EOF\n" % xref
        return bytes(out)


def _kids(file: _File, element: dict) -> list[tuple[_Ref, dict]]:
    """The structure elements right under an element, as (reference, element)."""
    kids = element.get("/K", [])
    out = []
    for kid in kids if isinstance(kids, list) else [kids]:
        if isinstance(kid, _Ref):
            value = file.get(kid)
            if isinstance(value, dict) and "/S" in value:
                out.append((kid, value))
    return out


def _table_attributes(element: dict) -> dict:
    """The element's attribute dictionary of the Table owner (made if it has none)."""
    attributes = element.get("/A")
    listed = attributes if isinstance(attributes, list) else (
        [attributes] if isinstance(attributes, dict) else [])
    for a in listed:
        if isinstance(a, dict) and a.get("/O") == "/Table":
            return a
    own = {_Name("/O"): _Name("/Table")}
    element[_Name("/A")] = [own, *listed]
    return own


def _copy(element: dict) -> dict:
    """An element with its own attribute dictionaries, to change without touching the one
    read."""
    out = dict(element)
    if isinstance(out.get("/A"), list):
        out["/A"] = [dict(a) if isinstance(a, dict) else a for a in out["/A"]]
    elif isinstance(out.get("/A"), dict):
        out["/A"] = dict(out["/A"])
    return out


def _span(cell: dict) -> int:
    a = cell.get("/A")
    for d in a if isinstance(a, list) else [a]:
        if isinstance(d, dict) and "/ColSpan" in d:
            return int(d["/ColSpan"])
    return 1


def _tables(file: _File, root: dict) -> list[dict]:
    out, todo = [], [e for _, e in _kids(file, root)]
    while todo:
        element = todo.pop()
        if element.get("/S") == "/Table":
            out.append(element)
        else:
            todo += [e for _, e in _kids(file, element)]
    return out


def tag_row_headers(data: bytes) -> bytes:
    """The PDF with the first cell of each body row of every table tagged as that row's
    header (TH, Scope Row), as Typst writes `pdf.header-cell(scope: "row")`: with an /ID,
    listed in the /IDTree, and named in the /Headers of the row's other cells. A row that is
    one cell across the table (a comment under a row of figures) has none. A file this
    cannot read is returned as it is."""
    try:
        file = _File(data)
        catalog = file.get(file.trailer["/Root"])
        tree = file.get(catalog.get("/StructTreeRoot"))
        if not isinstance(tree, dict):
            return data
        ids = _id_names(file, tree.get("/IDTree"))
        known = {_text(key) for key, _ in ids}
        added = []
        for table in _tables(file, tree):
            added += _row_headers(file, table, known)
        if not added:
            return data
        ids = sorted(ids + added, key=lambda pair: _text(pair[0]))
        names = {_Name("/Names"): [item for pair in ids for item in pair]}
        if isinstance(tree.get("/IDTree"), _Ref):
            file.replace(tree["/IDTree"], names)
        else:
            tree = dict(tree)
            tree[_Name("/IDTree")] = names
            file.replace(catalog["/StructTreeRoot"], tree)
        return file.write()
    except (_Unreadable, KeyError, ValueError, IndexError, TypeError, AttributeError):
        return data


def _id_names(file: _File, node) -> list[tuple[_Raw, _Ref]]:
    """The (ID, element) pairs of a name tree."""
    node = file.get(node)
    if not isinstance(node, dict):
        return []
    names = node.get("/Names", [])
    out = list(zip(names[::2], names[1::2], strict=True))
    for kid in node.get("/Kids", []):
        out += _id_names(file, kid)
    return out


def _row_headers(file: _File, table: dict, known: set[bytes]) -> list[tuple[_Raw, _Ref]]:
    rows = []  # (row group, row) in the table's order
    for _, child in _kids(file, table):
        if child["/S"] == "/TR":
            rows.append((None, child))
        elif child["/S"] in ("/THead", "/TBody", "/TFoot"):
            rows += [(child["/S"], row) for _, row in _kids(file, child) if row["/S"] == "/TR"]
    headers = [cell for group, row in rows if group == "/THead"
               for _, cell in _kids(file, row) if cell["/S"] == "/TH" and "/ID" in cell]
    number = re.fullmatch(rb"U(\d+)x\d+y\d+", _text(headers[0]["/ID"])) if headers else None
    if not number:
        return []  # no column headers of Typst's: not a table of the template's
    added = []
    for y, (group, row) in enumerate(rows):
        cells = _kids(file, row)
        if group != "/TBody" or len(cells) < 2 or cells[0][1]["/S"] != "/TD" \
                or _span(cells[0][1]) > 1:
            continue
        name = b"U%sx0y%d" % (number.group(1), y)
        if name in known:
            continue
        ref, first = cells[0]
        header = {}
        for key, value in _copy(first).items():  # Typst's order: /Type /S /P /ID /A /K /Pg
            header[key] = _Name("/TH") if key == "/S" else value
            if key == "/P":
                header[_Name("/ID")] = _string(name.decode())
        header.setdefault(_Name("/ID"), _string(name.decode()))
        attributes = _table_attributes(header)
        scoped = {_Name("/O"): _Name("/Table"), _Name("/Scope"): _Name("/Row")}
        scoped.update((k, v) for k, v in attributes.items() if k not in scoped)
        attributes.clear()
        attributes.update(scoped)
        file.replace(ref, header)
        for other_ref, other in cells[1:]:
            other = _copy(other)
            own = _table_attributes(other)
            own[_Name("/Headers")] = [*own.get("/Headers", []), _string(name.decode())]
            file.replace(other_ref, other)
        known.add(name)
        added.append((_string(name.decode()), ref))
    return added


