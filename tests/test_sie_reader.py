"""The SIE 4 reader on the real files in ../shared/data/sie (counts from their README)."""

from pathlib import Path

import pytest

from pipelines.ingest.sie import NotSieError, SieReader, Voucher

SIE_DIR = Path(__file__).resolve().parents[2] / "shared" / "data" / "sie"
pytestmark = pytest.mark.skipif(not SIE_DIR.is_dir(), reason=f"{SIE_DIR} not found")

# file: (vouchers, transactions, period budgets, period balances, dimensions, objects);
# dimensions counts #DIM (the underdim file also has 2 #UNDERDIM, counted apart)
EXPECTED = {
    "jsisie__BL0001_typ4.SE": (84, 405, 24, 0, 3, 23),
    "jsisie__LON_Lönekörning.SI": (1, 25, 0, 0, 3, 0),
    "jsisie__MAMUT_SIE4_EXPORT.SE": (168, 458, 0, 0, 5, 33),
    "jsisie__SIE4_Exempelfil_med_underdim.SE": (295, 1330, 0, 0, 2, 39),
    "jsisie__Sie4.si": (165, 869, 0, 0, 2, 3),
    "jsisie__Test3.SE": (0, 0, 145, 456, 1, 17),
    "jsisie__Test4.SE": (167, 1464, 146, 375, 0, 0),
    "jsisie__XE_SIE_4_20151125095119.SE": (65, 248, 0, 2, 4, 48),
    "jsisie__objektsaldo_ovnbolag.se": (0, 0, 1248, 975, 3, 14),
    "jsisie__periodsaldo_ovnbolag.se": (0, 0, 1248, 705, 0, 0),
    "jsisie__sie_4.SE": (20, 76, 0, 293, 2, 8),
    "jsisie__transaktioner_ovnbolag-bad-balance.se": (163, 671, 1248, 705, 3, 14),
    "jsisie__transaktioner_ovnbolag.se": (163, 671, 1248, 705, 3, 14),
    "jsisie__typ3.se": (0, 0, 444, 113, 2, 6),
    "sie-parser-forsslund__SIE4_Exempelfil.SE": (295, 1330, 0, 0, 2, 37),
}


def read(name: str) -> tuple[SieReader, list]:
    reader = SieReader(SIE_DIR / name)
    return reader, list(reader)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_counts_match_the_file(name):
    reader, _ = read(name)
    c = reader.info.counts
    got = (c["vouchers"], c["transactions"], c["period_budgets"], c["period_balances"],
           c["dimensions"], c["objects"])
    assert got == EXPECTED[name]
    assert reader.info.quarantine == []


def test_underdimensions_are_counted_apart():
    reader, _ = read("jsisie__SIE4_Exempelfil_med_underdim.SE")
    assert reader.info.counts["dimensions"] == 2  # #DIM only
    assert reader.info.counts["underdimensions"] == 2
    # still registered as dimensions, with their parent
    assert reader.info.dimensions["61"] == "Kubernetesdrift"
    assert reader.info.parent_dimensions == {"61": "6", "62": "6"}


def test_every_real_file_has_a_test():
    files = {p.name for p in SIE_DIR.iterdir() if p.name != "README.md"}
    assert files == set(EXPECTED) | {"jsisie__BokSald.SE"}


def test_bad_balance_file_reports_exactly_one_unbalanced_voucher():
    _, records = read("jsisie__transaktioner_ovnbolag-bad-balance.se")
    unbalanced = [v for v in records if isinstance(v, Voucher) and v.balance_ore]
    assert len(unbalanced) == 1
    assert unbalanced[0].balance_ore == -1277100  # -128.00 changed to -12899.00
    _, good = read("jsisie__transaktioner_ovnbolag.se")
    assert not [v for v in good if isinstance(v, Voucher) and v.balance_ore]


def test_html_page_is_refused_with_one_message():
    with pytest.raises(NotSieError, match="jsisie__BokSald.SE: ingen SIE-fil"):
        read("jsisie__BokSald.SE")


def test_utf8_file_declared_pc8_decodes_without_mojibake():
    reader, _ = read("jsisie__SIE4_Exempelfil_med_underdim.SE")
    assert reader.info.declared_format == "PC8"
    assert reader.info.encoding == "utf-8"
    # the file lost its å, ä and ö before it was published: it holds U+FFFD itself, and
    # that is what must come out, not the CP437 reading of its bytes (∩┐╜)
    names = " ".join(reader.info.accounts.values())
    assert "Hyresr\ufffdtt" in names
    assert "∩┐╜" not in names and "Ã" not in names


def test_cp437_file_decodes_swedish_letters():
    reader, _ = read("jsisie__BL0001_typ4.SE")
    assert reader.info.encoding == "cp437"
    assert "Östervåla" in reader.info.objects.values()


def test_crlf_file_reads_like_its_lf_twin():
    crlf, a = read("sie-parser-forsslund__SIE4_Exempelfil.SE")
    assert crlf.info.counts["transactions"] == 1330
    first = next(v for v in a if isinstance(v, Voucher))
    assert not first.text.endswith("\r")


def test_rtrans_is_counted_once_and_btrans_kept_apart():
    _, records = read("jsisie__BL0001_typ4.SE")
    vouchers = [v for v in records if isinstance(v, Voucher)]
    assert sum(r.kind == "RTRANS" for v in vouchers for r in v.rows) == 6
    assert sum(len(v.removed_rows) for v in vouchers) == 3
    assert all(v.balance_ore == 0 for v in vouchers)


def test_unreadable_lines_are_quarantined_with_line_and_rule(tmp_path):
    path = tmp_path / "broken.se"
    path.write_bytes(
        b'#FLAGGA 0\n#FORMAT PC8\n#SIETYP 4\n#RAR 0 20250101 20251231\n'
        b'#VER A 1 20250105 "ok"\n{\n#TRANS 1930 {} 100.00\n#TRANS 3010 {} -100.00\n}\n'
        b'#VER A 2 20250106 "trasig"\n{\n#TRANS 1930 {} 1O0.00\n#TRANS 3010 {} -100.001\n}\n'
        b'#TRANS 1930 {} 5\n'
        b'#VER A 3 07.01.2025 "fel datum"\n'
    )
    reader = SieReader(path)
    records = list(reader)
    # voucher 2 has rows that cannot be read: it is quarantined whole, never loaded half
    assert [v.number for v in records if isinstance(v, Voucher)] == ["1"]
    rules = {(q.line, q.rule) for q in reader.info.quarantine}
    assert (10, "verifikationen har 2 rad(er) som inte kan läsas (första på rad 12); hela "
                "verifikationen sätts i karantän") in rules
    assert (12, "'1O0.00' är inget belopp") in rules
    assert (13, "'-100.001' har fler än två decimaler") in rules
    assert (15, "#TRANS utanför ett verifikationsblock") in rules
    assert (16, "'07.01.2025' är inget datum ÅÅÅÅMMDD") in rules


def test_fast_path_reads_every_line_as_the_full_tokenizer_does():
    from pipelines.ingest.sie import fast_fields, split_fields

    answered = 0
    for path in sorted(SIE_DIR.iterdir()):
        if path.name in ("README.md", "jsisie__BokSald.SE"):
            continue
        for raw in path.read_bytes().decode("cp437").splitlines():
            line = raw.strip()
            fast = fast_fields(line) if line.startswith("#") else None
            if fast is not None:
                answered += 1
                assert fast == split_fields(line), f"{path.name}: {line}"
    assert answered > 5000


def _independent_crc(body: str) -> int:
    """The #KSUMMA of `body`, computed here independently of the reader, after our reading of
    SIE 4B: CRC-32 over each record's label and field contents in CP437 (a quoted field keeps
    its spaces, an escaped quote counts as a quote), without the separators, quotes, braces
    and line ends; the `{` and `}` lines of voucher blocks add nothing."""
    import shlex
    import zlib

    crc = 0
    for line in body.splitlines():
        if line.startswith("#"):
            content = "".join(t.replace("{", "").replace("}", "") for t in shlex.split(line))
            crc = zlib.crc32(content.encode("cp437"), crc)
    return crc


def _with_checksum(body: str, tamper: bool = False, signed: bool = False) -> bytes:
    crc = _independent_crc(body)
    if signed and crc >= 1 << 31:
        crc -= 1 << 32  # some programs write the CRC as a signed 32-bit number
    if tamper:
        body = body.replace("100.00", "900.00", 1)
    return ("#FLAGGA 0\n#KSUMMA\n" + body + f"#KSUMMA {crc}\n").encode("cp437")


BODY = ('#FORMAT PC8\n#SIETYP 4\n#RAR 0 20250101 20251231\n#KONTO 1930 "Bank och kassa"\n'
        '#VER A 1 20250105 "Försäljning"\n{\n#TRANS 1930 {1 "Å1"} 100.00\n'
        '#TRANS 3010 {} -100.00\n}\n')


def test_checksum_is_verified_where_present(tmp_path):
    good = tmp_path / "good.se"
    good.write_bytes(_with_checksum(BODY))
    reader = SieReader(good)
    list(reader)
    assert reader.info.checksum == "ok"
    assert reader.info.quarantine == []
    bad = tmp_path / "bad.se"
    bad.write_bytes(_with_checksum(BODY, tamper=True))
    reader = SieReader(bad)
    list(reader)
    assert reader.info.checksum.startswith("mismatch")
    assert reader.info.quarantine[0].rule.startswith("kontrollsumman stämmer inte")


def test_checksum_covers_escaped_quotes_padded_codes_and_lowercase_labels(tmp_path):
    body = ('#SIETYP 4\n#KONTO 1930 "Bank \\"Swish\\" konto"\n'
            '#VER\tA 1 20250105 "Kaffe"\n{\n#TRANS 6071 {"1" "  45 " 6 P1} 100.00\n'
            '#trans 1930 {} -100.00 20250105 "Swish"\n}\n')
    path = tmp_path / "escaped.se"
    path.write_bytes(_with_checksum(body))
    reader = SieReader(path)
    [voucher] = list(reader)
    assert reader.info.checksum == "ok", reader.info.checksum
    assert voucher.rows[0].objects == {"1": "45", "6": "P1"}  # trimmed for use, not for CRC


def test_checksum_written_as_a_signed_number_is_accepted(tmp_path):
    # find a body whose CRC has the high bit set, so that signed and unsigned differ
    body = next(b for b in (BODY.replace("Försäljning", f"Försäljning {i}") for i in range(64))
                if _independent_crc(b) >= 1 << 31)
    path = tmp_path / "signed.se"
    path.write_bytes(_with_checksum(body, signed=True))
    assert b"#KSUMMA -" in path.read_bytes()
    reader = SieReader(path)
    list(reader)
    assert reader.info.checksum == "ok"


def test_checksum_without_its_closing_record_says_the_file_may_be_cut_off(tmp_path):
    path = tmp_path / "cut.se"
    path.write_bytes(_with_checksum(BODY).rsplit(b"#KSUMMA ", 1)[0])
    reader = SieReader(path)
    assert len(list(reader)) == 1
    assert reader.info.checksum.startswith("incomplete")
    [q] = reader.info.quarantine
    assert (q.line, q.rule) == (
        2, "kontrollsumman öppnas men stängs aldrig: filen kan vara avklippt")


@pytest.mark.parametrize("tail, status, rule", [
    (b"#KSUMMA 12ab\n", "invalid (#KSUMMA '12ab' is not a number)",
     "#KSUMMA-värdet är inget tal"),
    (b"#KSUMMA\n#KSUMMA 5\n", "mismatch (expected 5, computed 0)",
     "kontrollsumman stämmer inte med filens innehåll (beräknad 0)"),
])
def test_bad_checksum_records_are_quarantined(tmp_path, tail, status, rule):
    path = tmp_path / "bad.se"
    path.write_bytes(b"#FLAGGA 0\n#SIETYP 4\n" + tail)
    reader = SieReader(path)
    list(reader)
    assert reader.info.checksum == status
    assert [q.rule for q in reader.info.quarantine] == [rule]


def test_closing_checksum_without_opening_is_invalid(tmp_path):
    path = tmp_path / "noopen.se"
    path.write_bytes(b"#FLAGGA 0\n#SIETYP 4\n#KSUMMA 5\n")
    reader = SieReader(path)
    list(reader)
    assert reader.info.checksum == "invalid (closing #KSUMMA without an opening one)"
    assert reader.info.quarantine[0].line == 3


def test_files_without_checksum_say_so():
    reader, _ = read("jsisie__transaktioner_ovnbolag.se")
    assert reader.info.checksum == "absent"


@pytest.mark.parametrize("text, ore", [("163.86", 16386), ("-163.86", -16386), ("0.50", 50),
                                       ("-0.50", -50), ("100", 10000), ("12.5", 1250),
                                       ("-.5", -50), ("+7.25", 725)])
def test_amounts_with_zero_to_two_decimals_are_exact(text, ore):
    from pipelines.ingest.sie import parse_amount

    assert parse_amount(text) == ore


@pytest.mark.parametrize("text", ["1O0.00", "-100.001", "1.2.3", ".", "--1.00", "+-1.00",
                                  "12,50", ""])
def test_what_is_not_an_amount_is_refused(text):
    from pipelines.ingest.sie import parse_amount

    with pytest.raises(ValueError):
        parse_amount(text)


def test_chart_type_and_sru_codes_are_read():
    reader, _ = read("jsisie__BL0001_typ4.SE")
    assert reader.info.chart_type == "EUBAS97"
    sru_lines = (SIE_DIR / "jsisie__BL0001_typ4.SE").read_bytes().count(b"\n#SRU ")
    assert reader.info.counts["sru"] == sru_lines > 0
    assert reader.info.sru_codes["1110"] == "7214"


def test_escaped_quotes_tabs_and_padded_codes(tmp_path):
    path = tmp_path / "escapes.se"
    path.write_bytes(b'#FLAGGA 0\n#SIETYP 4\n#VER\tA\t1\t20250105\t"Kaffe \\"Gevalia\\" 500 g"\n'
                     b'{\n#TRANS 6071 {"1" "  45 " 6 P1} 100.00\n#TRANS 1930 {} -100.00\n}\n')
    [voucher] = list(SieReader(path))
    assert voucher.text == 'Kaffe "Gevalia" 500 g'
    assert voucher.rows[0].objects == {"1": "45", "6": "P1"}


def test_file_that_says_pc8_but_is_latin1_is_detected(tmp_path):
    path = tmp_path / "latin1.se"
    path.write_bytes('#FLAGGA 0\n#FORMAT PC8\n#SIETYP 4\n#FNAMN "Hälsö Kommun"\n'
                     '#KONTO 3010 "Försäljning åäö"\n'.encode("iso-8859-1"))
    reader = SieReader(path)
    list(reader)
    assert reader.info.encoding == "iso-8859-15"
    assert reader.info.company == "Hälsö Kommun"
    assert reader.info.accounts["3010"] == "Försäljning åäö"


def _read_without_hot_paths(path, monkeypatch):
    """The general tokenizer alone: the hot paths for plain #TRANS / #VER lines switched off."""
    import pipelines.ingest.sie as sie

    with monkeypatch.context() as m:
        m.setattr(sie, "plain_trans", lambda *args: None)
        m.setattr(sie, "plain_ver", lambda *args: None)
        reader = SieReader(path)
        return list(reader), reader.info


TRICKY = (
    '#FLAGGA 0\n#SIETYP 4\n#RAR 0 20250101 20251231\n'
    '#VER A 1 20250105 "plain" 20250106\n{\n#TRANS 1930 {1 "111101" 20 "010"} 100.00\n'
    '#TRANS 3010 {1 "  45 " 6 P1} -100.00 20250107 "text with } brace" 2\n}\n'
    '#VER A 2 20250105\n{\n#TRANS "1930" {} 1.5\n#TRANS 3010 {} -1.50 "" ""\n'
    '#TRANS 3010 {}\n#TRANS 3010 {1 } 1.00\n#TRANS 3010 {1 "x} 1.00\n'
    '#TRANS 3010 {} 1O0.00\n#TRANS 3010 {} 1.00 2025-01-01\n#TRANS 30}10 {} 1.00\n'
    '#TRANS 3010 {1 {2}} 1.00\n#TRANS 3010 {} --1.00\n#TRANS  3010  {}  +2.00  \n}\n'
    '#VER A 3 20250105 "a" 20250106 "sign"\n{\n#RTRANS 1930 {} 5.00\n#TRANS 1930 {} 5.00\n'
    '#BTRANS 1930 {} 7.00\n#TRANS 2440 {} -5.00\n}\n'
    '#VER A 4 05.01.2025 "bad date"\n{\n#TRANS 1930 {} 1.00\n}\n'
    '#VER A 5 20250105 "no block"\n#VER A 6 20250105 "open block"\n{\n'
    '#TRANS 1930 {} 1.00\n#VER A 7 20250105 "after"\n{\n#TRANS 1930 {} -1.00\n}\n'
    '#VER A 8 20250105 "{braces}"\n{\n#TRANS 1930 {} 0.00\n}\n'
    '#VER "" "" 20250105 "Kaffe \\"Gevalia\\""\n{\n#TRANS 1930 {} 0.00\n}\n'
    '#VER A 9\n{\n#TRANS 1930 {} 0.00\n}\n'
)


def test_hot_paths_give_what_the_general_tokenizer_gives(tmp_path, monkeypatch):
    tricky = tmp_path / "tricky.se"
    tricky.write_text(TRICKY, encoding="cp437")
    paths = [tricky] + sorted(p for p in SIE_DIR.iterdir()
                              if p.name not in ("README.md", "jsisie__BokSald.SE"))
    for path in paths:
        reader = SieReader(path)
        records = list(reader)
        assert (records, reader.info) == _read_without_hot_paths(path, monkeypatch), path.name
    # and the tricky file is read as intended: the odd lines are quarantined, not guessed
    reader = SieReader(tricky)
    vouchers = {v.number: v for v in reader}
    assert sorted(vouchers) == ["", "1", "3", "7", "8"]  # 2 has unreadable rows
    assert vouchers["1"].rows[1].objects == {"1": "45", "6": "P1"}
    assert vouchers["1"].rows[1].text == "text with } brace"
    rows_of_2 = [q for q in reader.info.quarantine if q.rule.startswith(
        "rad i verifikation A 2 (rad 9) som inte läses in: verifikationen har 7 rad(er)")]
    # (its row with the ISO date 2025-01-01 is read: an ISO date is a date)
    assert [q.raw for q in rows_of_2] == ['#TRANS "1930" {} 1.5', '#TRANS 3010 {} -1.50 "" ""',
                                          "#TRANS 3010 {} 1.00 2025-01-01",
                                          "#TRANS  3010  {}  +2.00  "]
    assert [r.kind for r in vouchers["3"].rows] == ["RTRANS", "TRANS"]
    assert len(vouchers["3"].removed_rows) == 1
    line = {text: n for n, text in enumerate(TRICKY.splitlines(), start=1)}
    rules = {(q.line, q.rule) for q in reader.info.quarantine}
    assert {(line["#TRANS 3010 {}"], "#TRANS behöver konto, objektlista och belopp"),
            (line["#TRANS 3010 {1 } 1.00"], "objektlistan har en dimension utan objekt"),
            (line["#TRANS 3010 {} 1O0.00"], "'1O0.00' är inget belopp"),
            (line["#TRANS 3010 {} --1.00"], "'--1.00' är inget belopp"),
            (line["#TRANS 3010 {1 {2}} 1.00"], "'{' inuti en objektlista"),
            (line['#VER A 4 05.01.2025 "bad date"'], "'05.01.2025' är inget datum ÅÅÅÅMMDD"),
            (line['#VER A 5 20250105 "no block"'], "#VER utan '{ }'-block"),
            (line['#VER A 6 20250105 "open block"'],
             "verifikationsblocket avslutas inte med '}' före nästa #VER"),
            (line["#VER A 9"], "#VER har för få fält")} <= rules


def test_utf8_file_with_byte_order_mark_is_read(tmp_path):
    path = tmp_path / "bom.se"
    path.write_bytes('#FLAGGA 0\n#SIETYP 4\n#FNAMN "Hälsö Kommun"\n'.encode("utf-8-sig"))
    reader = SieReader(path)
    list(reader)
    assert reader.info.encoding == "utf-8"
    assert reader.info.company == "Hälsö Kommun"
    assert reader.info.quarantine == []
