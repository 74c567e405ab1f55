"""A landing copy interrupted (a full disk, a killed process) leaves nothing under the kept
name, and the next load keeps the file whole (pipelines/ingest/landing.py)."""

from __future__ import annotations

import errno
import shutil

import pytest

from pipelines.ingest import landing


def test_an_interrupted_landing_copy_is_never_kept_half(tmp_path, monkeypatch):
    delivered = tmp_path / "huvudbok_2025-03.se"
    delivered.write_bytes(b"#FLAGGA 0\r\n" + b"#TRANS 4010 {} 100.00\r\n" * 5000)
    d = landing.delivery("ledger", "2025-03", delivered)
    copy = shutil.copyfile

    def full_disk(src, dst):
        with open(src, "rb") as f, open(dst, "wb") as out:
            out.write(f.read()[:1000])
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(landing.shutil, "copyfile", full_disk)
    with pytest.raises(OSError):
        landing.keep_copy(tmp_path / "landning", d)
    kept = [p for p in (tmp_path / "landning").rglob("*") if p.is_file()]
    assert all(p.name.endswith(".part") for p in kept)  # no half file under the kept name
    monkeypatch.setattr(landing.shutil, "copyfile", copy)
    target = landing.keep_copy(tmp_path / "landning", d)  # the next load
    assert target.read_bytes() == delivered.read_bytes()
    assert landing.file_hash(target) == d.content_hash


def test_a_copied_folder_finds_its_deliveries_as_its_own(tmp_path):
    """A kommun's folder copied with its warehouse: the manifest names files relative to the
    config's folder, so the copy's load of the same file is the same delivery, and an older
    manifest's absolute path of the original folder is taken as that file and renamed."""
    import duckdb

    con = duckdb.connect()
    landing.ensure_manifest(con)
    original, copy = tmp_path / "kommun", tmp_path / "kopia"
    for base in (original, copy):
        (base / "ekonomi").mkdir(parents=True)
        (base / "ekonomi" / "huvudbok_2025-03.se").write_bytes(b"#FLAGGA 0\n")
    first = landing.delivery("ledger", "2025-03", original / "ekonomi" / "huvudbok_2025-03.se")
    assert landing.record(con, tmp_path / "land", first, 1, 1, 0, base=original) == "new"
    assert con.execute("select delivered_path from raw.deliveries").fetchall() == [
        ("ekonomi/huvudbok_2025-03.se",)]
    again = landing.delivery("ledger", "2025-03", copy / "ekonomi" / "huvudbok_2025-03.se")
    assert landing.record(con, tmp_path / "land", again, 1, 1, 0, base=copy) == "unchanged"
    # a manifest of an older version: the original folder's absolute path
    con.execute("update raw.deliveries set delivered_path = ?",
                [str(original / "ekonomi" / "huvudbok_2025-03.se")])
    (copy / "ekonomi" / "huvudbok_2025-03.se").write_bytes(b"#FLAGGA 0\n#SIETYP 4\n")
    corrected = landing.delivery("ledger", "2025-03", copy / "ekonomi" / "huvudbok_2025-03.se")
    assert landing.record(con, tmp_path / "land", corrected, 2, 2, 0, base=copy) == "corrected"
    assert con.execute("select status, count(*) from raw.deliveries group by 1 order by 1"
                       ).fetchall() == [("current", 1), ("replaced", 1)]
