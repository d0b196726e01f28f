"""Keeping originals byte for byte: one file each, or many in one pack (warehouse.archive)."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import pytest

from warehouse.archive import keep_original, keep_originals_packed, read_kept


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


ORIGINALS = [b'{"unit_id": "1"}\n', "财政局 年报".encode("gb18030"), b"\x00\xff binary \r\n", b""]


def test_a_pack_gives_back_every_original_byte_for_byte(tmp_path: Path) -> None:
    kept = keep_originals_packed({_sha(d): d for d in ORIGINALS}, tmp_path)
    assert sorted(kept) == sorted(_sha(d) for d in ORIGINALS)
    for data in ORIGINALS:
        assert read_kept(kept[_sha(data)]) == data
    (pack,) = (tmp_path / "originals" / "packs").iterdir()
    with zipfile.ZipFile(pack) as z:  # a plain ZIP any tool opens: members named by their sha256, not compressed
        assert sorted(z.namelist()) == sorted(kept)
        assert {i.compress_type for i in z.infolist()} == {zipfile.ZIP_STORED}


def test_the_same_batch_again_writes_nothing_new(tmp_path: Path) -> None:
    first = keep_originals_packed({_sha(d): d for d in ORIGINALS}, tmp_path)
    (pack,) = (tmp_path / "originals" / "packs").iterdir()
    before = (pack.stat().st_mtime_ns, pack.read_bytes())
    again = keep_originals_packed({_sha(d): d for d in reversed(ORIGINALS)}, tmp_path)
    assert again == first and (pack.stat().st_mtime_ns, pack.read_bytes()) == before
    assert not [p for p in pack.parent.iterdir() if p.name.startswith(".incoming")]


def test_bytes_that_do_not_match_their_hash_are_refused_and_nothing_is_written(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="do not have that sha256"):
        keep_originals_packed({_sha(b"a"): b"b"}, tmp_path)
    assert not (tmp_path / "originals").exists()


def test_read_kept_reads_single_files_and_rows_of_a_kept_file(tmp_path: Path) -> None:
    root = tmp_path / "odd #folder"  # a '#' in the folder does not confuse the member part
    src = tmp_path / "x.parquet"
    src.write_bytes(b"PAR1 many returns")
    single = keep_original(src, root, _sha(src.read_bytes()))
    assert read_kept(str(single)) == b"PAR1 many returns"
    assert read_kept(f"{single}#row=7") == b"PAR1 many returns"
    packed = keep_originals_packed({_sha(b"z"): b"z"}, root)
    assert read_kept(packed[_sha(b"z")]) == b"z"
