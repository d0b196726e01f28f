"""Keeping every received file byte for byte, and setting rejected ones aside with their reasons.

Originals are stored by content, so a file name with spaces, Chinese characters or ``../`` can never place a file
outside the archive, in one of two ways:

* one file per original, ``originals/<aa>/<sha256>`` (:func:`keep_original`): a file copied on its own;
* a PACK per read batch, ``originals/packs/<id>.zip`` (:func:`keep_originals_packed`): a ZIP without compression
  whose members are the originals named by their sha256, written once, atomically. A read batch of 2,000 returns
  is then one file write instead of 2,000: at country scale (150,000 returns) one file per original cost a third
  of the whole run on this machine. The member's bytes are the original's bytes (``unzip -p PACK SHA256``
  extracts one); the stored path reads ``<pack>#<sha256>``.

:func:`read_kept` returns the original bytes behind any stored path. Rejected files are also copied to
``quarantine/`` under a safe name, with a ``.reason.txt`` beside them that says which rules failed and where.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import threading
import zipfile
from collections.abc import Sequence
from pathlib import Path

from schemas.errors import NianbaoError
from schemas.failures import Failure

_UNSAFE = re.compile(r"[^\w.\-\u4e00-\u9fff]+")
_SHA256 = re.compile(r"[0-9a-f]{64}")


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


MAX_SAFE_NAME_BYTES = 120  # UTF-8 bytes, not characters: "<sha12>-" + name + ".reason.txt" stays far below the
# 255-byte name limit of Linux file systems even for an all-Chinese name (3 bytes a character)


def safe_name(original_name: str) -> str:
    """A file name that cannot leave its folder: the last path component, unsafe characters replaced, at most
    :data:`MAX_SAFE_NAME_BYTES` bytes long (the extension kept)."""
    base = re.split(r"[\\/]", original_name)[-1]
    cleaned = _UNSAFE.sub("_", base).strip("._") or "unnamed"
    if len(cleaned.encode()) <= MAX_SAFE_NAME_BYTES:
        return cleaned
    stem, dot, ext = cleaned.rpartition(".")
    suffix = f".{ext}" if dot and stem and len(ext) <= 10 else ""
    stem = stem if suffix else cleaned
    budget = MAX_SAFE_NAME_BYTES - len(suffix.encode())
    return stem.encode()[:budget].decode("utf-8", "ignore") + suffix


class NotTheBytesRead(NianbaoError, ValueError):
    """The file at a submission's path no longer holds the bytes that were read, hashed and judged (it was
    replaced, or swapped for a symlink, after reading): nothing is kept from it."""


_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)


def _temporary(dest: Path) -> str:
    # A temporary name unique to this process and thread (no mkstemp), then plain writes and an atomic rename:
    # a national run archives 150,000 small files, and mkstemp plus shutil.copyfile cost more per file than the
    # write itself (benchmarks/README.md, measured choices).
    return str(dest.parent / f".incoming-{dest.name}-{os.getpid()}-{threading.get_ident()}")


def _copy_atomically(src: Path, dest: Path, sha256: str | None = None) -> None:
    """Copy ``src`` to ``dest`` through one descriptor opened without following a symlink, regular files only.
    ``sha256``: the copy must have that hash (the bytes read and judged), else nothing is kept."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = _temporary(dest)
    try:
        try:
            fd = os.open(src, _OPEN_FLAGS)
        except OSError as exc:
            raise NotTheBytesRead(
                f"{src} cannot be opened as a regular file any more ({exc.strerror or exc}); it was not kept"
            ) from exc
        with os.fdopen(fd, "rb") as inp:
            if not stat.S_ISREG(os.fstat(inp.fileno()).st_mode):
                raise NotTheBytesRead(f"{src} is no longer a regular file; it was not kept")
            digest = hashlib.sha256()
            with open(tmp, "wb") as out:
                for block in iter(lambda: inp.read(1 << 20), b""):
                    digest.update(block)
                    out.write(block)
        if sha256 is not None and digest.hexdigest() != sha256:
            raise NotTheBytesRead(
                f"{src} changed after it was read (sha256 {sha256[:16]}… when read, {digest.hexdigest()[:16]}… now); "
                "the bytes judged are not the ones there: nothing was kept — run again"
            )
        os.replace(tmp, dest)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _write_atomically(data: bytes, dest: Path) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = _temporary(dest)
    try:
        with open(tmp, "wb") as out:
            out.write(data)
        os.replace(tmp, dest)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _check_sha256(sha256: str) -> None:
    """Paths below are built from the hash: it must be one (never empty, never a name)."""
    if not _SHA256.fullmatch(sha256):
        raise ValueError(f"not a sha256 hex digest: {sha256!r}; a file that could not be read has no bytes to keep")


def keep_original(src: Path | bytes, files_root: Path, sha256: str) -> Path:
    """Store the original's bytes under its sha256 (once); return where they are. ``src``: the bytes read (best),
    or the path, copied only if it still holds exactly those bytes (:class:`NotTheBytesRead` otherwise)."""
    _check_sha256(sha256)
    dest = files_root / "originals" / sha256[:2] / sha256
    if not dest.exists():
        if isinstance(src, (bytes, bytearray, memoryview)):
            if hashlib.sha256(src).hexdigest() != sha256:
                raise ValueError(f"the bytes given for {sha256} do not have that sha256; nothing was kept")
            _write_atomically(bytes(src), dest)
        else:
            _copy_atomically(src, dest, sha256)
    return dest


PACK_SEPARATOR = "#"


def keep_originals_packed(originals: dict[str, bytes], files_root: Path) -> dict[str, str]:
    """Keep many originals (sha256 -> the bytes read) in ONE pack; return sha256 -> stored path ``<pack>#<sha256>``.

    The pack is named by the set of hashes it holds, so re-reading the same batch finds its pack already there and
    writes nothing. Each member's hash is checked against its bytes before anything is written."""
    for sha, data in originals.items():
        _check_sha256(sha)
        if hashlib.sha256(data).hexdigest() != sha:
            raise ValueError(f"the bytes given for {sha} do not have that sha256; nothing was kept")
    members = sorted(originals)
    pack_id = hashlib.sha256("\n".join(members).encode()).hexdigest()[:32]
    dest = files_root / "originals" / "packs" / f"{pack_id}.zip"
    if not dest.exists():
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = dest.parent / f".incoming-{dest.name}-{os.getpid()}-{threading.get_ident()}"
        try:
            with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as pack:
                for sha in members:  # a fixed date: the same batch gives the same pack, byte for byte
                    pack.writestr(zipfile.ZipInfo(sha, date_time=(1980, 1, 1, 0, 0, 0)), originals[sha])
            os.replace(tmp, dest)
        finally:
            if tmp.exists():
                tmp.unlink()
    return {sha: f"{dest}{PACK_SEPARATOR}{sha}" for sha in members}


def read_kept(stored_path: str) -> bytes:
    """The original bytes behind a submission's ``stored_path``: a kept file, a member of a pack
    (``<pack>.zip#<sha256>``), or a row of a many-returns file (``<kept file>#row=<n>``: the whole file's bytes)."""
    path, _, member = stored_path.rpartition(PACK_SEPARATOR)  # a folder name may hold "#"; a member never does
    if path and _SHA256.fullmatch(member):
        with zipfile.ZipFile(path) as pack:
            return pack.read(member)
    if path and member.startswith("row="):
        return Path(path).read_bytes()
    return Path(stored_path).read_bytes()


def quarantine(
    src: Path | bytes, files_root: Path, sha256: str, original_name: str, failures: Sequence[Failure]
) -> Path:
    """Set a rejected file aside in quarantine/ with a reason file naming every blocking rule, cell and value.
    ``src``: the bytes judged (what pipeline.keep.keep passes: the kept original), or a path copied through one
    descriptor, never through a symlink."""
    _check_sha256(sha256)
    dest = files_root / "quarantine" / f"{sha256[:12]}-{safe_name(original_name)}"
    if not dest.exists():
        if isinstance(src, (bytes, bytearray, memoryview)):
            _write_atomically(bytes(src), dest)
        else:
            _copy_atomically(src, dest)
    reasons = [f"file: {original_name}", f"sha256: {sha256}", ""]
    for f in failures:
        where = f" cell {f.cell}" if f.cell else ""
        reasons.append(f"[{f.rule} {f.severity.value}]{where}: {f.message}")
    reason_path = dest.with_name(dest.name + ".reason.txt")
    reason_path.write_text("\n".join(reasons) + "\n", encoding="utf-8")
    return dest


def check_originals(
    files_root: Path, stored_paths: dict[str, str] | None = None
) -> tuple[int, list[tuple[str, str, str]]]:
    """Re-hash every kept original: each pack member and each loose ``originals/<aa>/<sha256>`` must have the
    sha256 it is named by, and a pack must hold exactly the members its name was made of. With ``stored_paths``
    (submission sha256 -> stored path) each submission's pack member must also still be there. Returns the number
    of originals re-hashed and the problems as (where, member, what) — where is the pack or file path."""
    root = Path(files_root) / "originals"
    problems: list[tuple[str, str, str]] = []
    checked = 0
    members_of: dict[str, set[str]] = {}
    for pack in sorted((root / "packs").glob("*.zip")) if (root / "packs").is_dir() else []:
        try:
            with zipfile.ZipFile(pack) as z:
                names = z.namelist()
                members_of[str(pack)] = set(names)
                for name in names:
                    checked += 1
                    try:
                        data = z.read(name)
                    except (zipfile.BadZipFile, OSError) as exc:  # a rewritten member whose CRC was not updated
                        problems.append((str(pack), name, f"unreadable: {exc}"))
                        continue
                    actual = hashlib.sha256(data).hexdigest()
                    if actual != name:
                        problems.append((str(pack), name, f"rewritten: its bytes have sha256 {actual}"))
        except (zipfile.BadZipFile, OSError) as exc:
            problems.append((str(pack), "-", f"not a readable pack: {exc}"))
            continue
        expected_id = hashlib.sha256("\n".join(sorted(names)).encode()).hexdigest()[:32]
        if pack.stem != expected_id:
            problems.append((str(pack), "-", "members were added or removed (the pack's name no longer matches them)"))
    for path in sorted(root.glob("??/*")) if root.is_dir() else []:
        if not path.is_file() or not _SHA256.fullmatch(path.name):
            continue
        checked += 1
        actual = sha256_of(path)
        if actual != path.name:
            problems.append((str(path), path.name, f"rewritten: its bytes have sha256 {actual}"))
    for sha, stored in sorted((stored_paths or {}).items()):
        pack_name, _, member = stored.rpartition(PACK_SEPARATOR)
        if pack_name and _SHA256.fullmatch(member) and member not in members_of.get(pack_name, set()):
            problems.append((pack_name, member, f"missing: submission {sha} is kept there"))
        elif not pack_name and stored and not Path(stored).exists():
            problems.append((stored, sha, f"missing: submission {sha} is kept there"))
    return checked, problems
