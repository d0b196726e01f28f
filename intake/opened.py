"""Opening a submitted file ONCE, and only if it is what collect saw: a regular file, not a symbolic link.

Between ``collect`` listing a folder and the reader opening a file, someone with write access to the submissions
folder can replace the file by a symlink to ``/etc/shadow`` (or by a FIFO that never ends). A stat followed by a
read of the *path* would follow it. Here the path is opened with ``O_NOFOLLOW`` (a symlink as the last component
fails with ELOOP), the open descriptor is fstat-ed (regular files only) and every byte is read from that
descriptor: what is hashed, judged and archived is what was read, and nothing is read from the path again.

``O_NONBLOCK`` on the open keeps a FIFO swapped in from blocking the run; it has no effect on a regular file.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from intake.errors import UnreadableFile

_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
_BLOCK = 1 << 20


@dataclass
class Opened:
    size: int  # bytes read from the descriptor
    sha256: str  # of those bytes
    data: bytes | None  # the bytes, or None when there were more than the limit (hashed, not kept in memory)


def _open_below(root: Path, path: Path) -> int:
    """Open ``path`` by walking down from ``root`` one folder at a time, none of them followed if it is a symlink
    (openat with O_NOFOLLOW): a sub-folder swapped for a link to ``/etc`` after collect is not entered."""
    rel = os.path.relpath(os.path.abspath(path), os.path.abspath(root))
    parts = rel.split(os.sep)
    if rel.startswith("..") or os.path.isabs(rel) or not parts or parts[-1] in ("", ".", ".."):
        raise UnreadableFile(f"the file is not inside the submissions folder {root}; it was not read")
    folder = os.open(root, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        for part in parts[:-1]:
            try:
                inner = os.open(
                    part,
                    os.O_RDONLY
                    | getattr(os, "O_DIRECTORY", 0)
                    | getattr(os, "O_NOFOLLOW", 0)
                    | getattr(os, "O_CLOEXEC", 0),
                    dir_fd=folder,
                )
            except OSError as exc:
                if exc.errno in (errno.ELOOP, errno.ENOTDIR):
                    raise UnreadableFile(
                        f"the folder {part!r} on its path is a symbolic link or not a folder; it was not followed"
                    ) from exc
                raise
            os.close(folder)
            folder = inner
        return os.open(parts[-1], _FLAGS, dir_fd=folder)
    finally:
        os.close(folder)


def read_once(path: Path, limit: int, root: Path | None = None) -> Opened:
    """Every byte of ``path`` through one descriptor; more than ``limit`` bytes are hashed but not returned.
    ``root`` (the submissions folder): the path is opened by walking down from it, no folder symlink followed.

    Raises :class:`UnreadableFile` (rule I1) for a symlink, anything but a regular file, or an open/read error;
    the message says which."""
    try:
        fd = _open_below(root, path) if root is not None else os.open(path, _FLAGS)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise UnreadableFile(
                "the file is a symbolic link; submissions are read only as regular files (it was not followed)"
            ) from exc
        raise UnreadableFile(f"the file cannot be opened ({exc.strerror or exc})") from exc
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise UnreadableFile("not a regular file (a folder, device or pipe); it was not read")
        with os.fdopen(fd, "rb", closefd=False) as fh:
            head = fh.read(limit + 1)
            if len(head) <= limit:
                return Opened(size=len(head), sha256=hashlib.sha256(head).hexdigest(), data=head)
            digest, size = hashlib.sha256(head), len(head)
            for block in iter(lambda: fh.read(_BLOCK), b""):
                digest.update(block)
                size += len(block)
            return Opened(size=size, sha256=digest.hexdigest(), data=None)
    except OSError as exc:
        raise UnreadableFile(f"the file cannot be read ({exc.strerror or exc})") from exc
    finally:
        os.close(fd)
