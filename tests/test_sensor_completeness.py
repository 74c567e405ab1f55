"""The sensor `new_delivery` loads a month only when every changed file of it has stopped
changing and is whole: a copy that stalls part-way is unchanged over an interval, but a SIE
file that ends inside a voucher, a CSV export cut mid-row or a partly copied workbook is not
loaded; the sensor says which files it waits for and why, and says so plainly of a file that
stays cut (pipelines/schedules.py, pipelines/ingest/completeness.py)."""

import os
import shutil
import subprocess
import sys
import textwrap
import time

import dagster as dg
import openpyxl
import pytest
import yaml

from pipelines.delivery_sensor import new_delivery
from pipelines.demo_cli import demo_config

NOVEMBER = "sources/ekonomi/2025/huvudbok_2025-11.se"
MAY_HR = "sources/personal/2025/personal_2025-05.csv"
MAY_LEDGER = "sources/ekonomi/2025/huvudbok_2025-05.se"
INVOICES = "sources/ekonomi/{year}/leverantorsfakturor_{period}.xlsx"

# a copy into the delivery folder in a process of its own: the first third, flushed, then
# it stalls until told to go on (a line on stdin), then the rest
COPY = textwrap.dedent("""
    import sys
    source, target = sys.argv[1], sys.argv[2]
    data = open(source, "rb").read()
    with open(target, "wb") as out:
        out.write(data[: len(data) // 3])
        out.flush()
        print("stalled", flush=True)
        sys.stdin.readline()
        out.write(data[len(data) // 3:])
    print("done", flush=True)
""")


def invoices(rows: int = 30) -> openpyxl.Workbook:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Period", "Konto", "Ansvar", "Belopp"])
    for n in range(rows):
        sheet.append(["2025-03", "46362", "111401", 100.0 + n])
    return book


@pytest.fixture
def root(demo_small, tmp_path, monkeypatch):
    """The demo's config over a copy of its sources, with a monthly Excel export beside the
    SIE files (March)."""
    shutil.copytree(demo_small.out, tmp_path / "sources")
    invoices().save(tmp_path / INVOICES.format(year=2025, period="2025-03"))
    config = demo_config(2025)
    config["sources"]["ledger"].append({"type": "excel", "path": INVOICES})
    path = tmp_path / "uppfoljning.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("UPPFOLJNING_CONFIG", str(path))
    return tmp_path


def tick(cursor):
    """One evaluation of the sensor: (its result, the cursor it leaves)."""
    context = dg.build_sensor_context(cursor=cursor)
    return new_delivery(context), context.cursor


def waits(result, *words: str) -> str:
    assert isinstance(result, dg.SkipReason), result
    for word in words:
        assert word in result.skip_message, result.skip_message
    return result.skip_message


def settled(cursor):
    """Two evaluations: the files' change seen, then unchanged over one interval."""
    result, cursor = tick(cursor)
    assert isinstance(result, dg.SkipReason), result  # still changing: nothing requested
    return tick(cursor)


def test_a_stalled_copy_of_a_sie_file_waits_for_the_rest(root):
    target = root / NOVEMBER
    whole = target.read_bytes()
    target.unlink()  # November not yet delivered
    result, cursor = tick(None)
    result, cursor = tick(cursor)
    assert result == []
    (root / "original.se").write_bytes(whole)  # what Ekonomi delivers, outside the folder
    copy = subprocess.Popen([sys.executable, "-c", COPY, str(root / "original.se"),
                             str(target)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True)
    try:
        assert copy.stdout.readline().strip() == "stalled"
        assert target.stat().st_size == len(whole) // 3
        result, cursor = tick(cursor)  # new: changed since the previous evaluation
        waits(result, "huvudbok_2025-11.se", "väntar")
        for _ in range(2):  # unchanged for an interval, and again: still cut, never loaded
            result, cursor = tick(cursor)
            message = waits(result, "huvudbok_2025-11.se: filen slutar inne i verifikation",
                            "– väntar på resten")
            assert "läses inte in förrän" not in message
        copy.stdin.write("go on\n")
        copy.stdin.flush()
        assert copy.stdout.readline().strip() == "done"
    finally:
        copy.stdin.close()
        copy.wait(timeout=60)
    assert target.read_bytes() == whole
    result, cursor = tick(cursor)  # the rest written: changed
    waits(result, "huvudbok_2025-11.se: ändras fortfarande", "väntar tills den är färdig")
    result, cursor = tick(cursor)  # unchanged and whole
    [request] = result
    assert request.partition_key == "2025-11"
    result, cursor = tick(cursor)
    assert result == []  # loaded once


def test_a_file_that_stays_cut_is_said_to_be_so(root, capfd):
    result, cursor = tick(None)
    target = root / NOVEMBER
    whole = target.read_bytes()
    target.write_bytes(whole[: len(whole) // 2])
    hours_ago = time.time() - 2 * 3600  # a copy that stalled two hours ago
    os.utime(target, (hours_ago, hours_ago))
    result, cursor = settled(cursor)
    waits(result, "huvudbok_2025-11.se: filen slutar inne i verifikation",
          "oförändrad sedan", "läses inte in förrän den levereras hel")
    result, cursor = tick(cursor)  # and it stays so, not loaded
    waits(result, "läses inte in förrän den levereras hel")
    logged = capfd.readouterr().err
    assert logged.count("WARNING - avklippt leverans: huvudbok_2025-11.se: filen slutar") == 1
    target.write_bytes(whole)  # delivered again, whole
    result, cursor = settled(cursor)
    assert [r.partition_key for r in result] == ["2025-11"]


def test_a_csv_cut_mid_row_holds_its_month_until_it_is_whole(root):
    result, cursor = tick(None)
    hr, ledger = root / MAY_HR, root / MAY_LEDGER
    whole = hr.read_bytes()
    last_row = whole.rindex(b"\n", 0, len(whole) - 2) + 1
    cut_at = whole.index(b";", last_row) + 1  # the last row's first field and its ';'
    hr.write_bytes(whole[:cut_at])
    ledger.write_bytes(ledger.read_bytes() + b"\r\n")  # May's ledger re-delivered, whole
    result, cursor = settled(cursor)
    message = waits(result, "personal_2025-05.csv: sista raden", "har 2 fält men rubriken 17",
                    "– väntar på resten", "huvudbok_2025-05.se: färdig, men månaden 2025-05 "
                    "väntar på sina andra filer")
    assert message.count("\n") == 2  # a heading and one line per file
    hr.write_bytes(whole)
    result, cursor = settled(cursor)
    [request] = result
    assert request.partition_key == "2025-05"


def test_a_csv_that_ends_inside_a_quote_or_a_character_waits(root):
    result, cursor = tick(None)
    hr = root / MAY_HR
    whole = hr.read_bytes()
    text = whole.decode("utf-8").rstrip("\r\n")
    head, last = text.rsplit("\n", 1)
    fields = last.split(";")
    fields[-1] = '"Förskolan Nyängen; avd. 2"'  # a quoted last field with the delimiter
    quoted = (head + "\n" + ";".join(fields) + "\r\n").encode("utf-8")
    hr.write_bytes(quoted[: quoted.index(b"; avd.") + 2])
    result, cursor = settled(cursor)
    waits(result, "personal_2025-05.csv: filen slutar inne i ett fält inom citattecken")
    hr.write_bytes(quoted[: quoted.index("ä".encode()) + 1])  # half of 'ä'
    result, cursor = settled(cursor)
    waits(result, "personal_2025-05.csv: filen slutar mitt i ett tecken", "utf-8")
    hr.write_bytes(quoted)
    result, cursor = settled(cursor)
    assert [r.partition_key for r in result] == ["2025-05"]


def test_a_partly_copied_workbook_waits_and_a_whole_one_loads(root):
    result, cursor = tick(None)
    book = root / INVOICES.format(year=2025, period="2025-03")
    invoices(rows=200).save(book)
    whole = book.read_bytes()
    book.write_bytes(whole[: len(whole) * 2 // 3])
    result, cursor = settled(cursor)
    waits(result, "leverantorsfakturor_2025-03.xlsx: arbetsboken är inte hel")
    book.write_bytes(whole)
    result, cursor = settled(cursor)
    assert [r.partition_key for r in result] == ["2025-03"]
    # a copy that set the size first and stalled: the zeros where the end should be
    book.write_bytes(whole[:1000] + b"\0" * (len(whole) - 1000))
    result, cursor = settled(cursor)
    waits(result, "leverantorsfakturor_2025-03.xlsx: arbetsboken är inte hel")
