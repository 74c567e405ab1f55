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
