"""The publication store under ``OUT/.published/``: every node's published folder is reached through ONE
``current`` pointer, so a run that publishes many nodes switches them all in one rename.

Layout (``OUT`` = the publication root)::

    OUT/<node>/<year>                      -> ../.published/current/<node>/<year>      (made once, never changed)
    OUT/.published/current                 -> gen-XXXX                                 (THE switch: one rename)
    OUT/.published/gen-XXXX/<node>/<year>  -> ../../data/<node>/<year>/<payload id>    (a whole generation)
    OUT/.published/data/<node>/<year>/<payload id>/{report.html, report.xlsx, report.json, manifest.json}
    OUT/.published/lock                    (flock: one publisher at a time; the kernel frees it on kill -9)

A payload folder is written under a hidden staging name, fsynced, then renamed to its id (the sha256 of its
manifest.json, so republishing the same report reuses it) and never changed again. A generation lists every
(node, year) published so far; a run builds a new one (the previous entries plus its own nodes), then renames a
fresh symlink over ``current``. Before that rename every reader sees the previous generation, after it the new
one: there is no moment with some nodes switched and others not.

Recovery (every publication starts with it, under the lock): whatever is not reachable from ``current`` is left
over from a publisher that died — a staging folder, an unfinished pointer, a generation never switched to (rolled
back), a generation switched away from, a payload no longer listed (the switch was done: finished) — and is
removed. Pure standard library; no Prefect, no warehouse.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

STORE = ".published"
CURRENT = "current"
DATA = "data"
GEN_PREFIX = "gen-"
STAGING_PREFIX = ".tmp-"
NEXT_PREFIX = ".current.next-"

Step = Callable[[str], None]  # called before each change on disk, with its stage (the kill -9 tests count them)


def _no_step(stage: str) -> None:
    return None


def fsync_dir(path: Path) -> None:
    """Make a rename or a new entry durable (directories can be fsynced on POSIX; elsewhere this is a no-op)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


class Store:
    """``OUT/.published``: payloads, generations and the ``current`` pointer of one publication root."""

    def __init__(self, out_root: Path) -> None:
        self.out = Path(out_root)
        self.root = self.out / STORE
        self.data = self.root / DATA

    # --- reading -------------------------------------------------------------------------------------------

    @staticmethod
    def link_text(node: str, year: int) -> str:
        """What ``OUT/<node>/<year>`` points to (relative, so OUT can be moved or mounted elsewhere)."""
        return f"../{STORE}/{CURRENT}/{node}/{year}"

    def current(self) -> str | None:
        """The name of the generation ``current`` points to, or None before the first publication."""
        try:
            return os.readlink(self.root / CURRENT)
        except OSError:
            return None

    def entries(self, generation: str | None = None) -> dict[tuple[str, int], str]:
        """(node, year) -> payload id, as listed by a generation (``current`` by default)."""
        generation = generation or self.current()
        out: dict[tuple[str, int], str] = {}
        if not generation:
            return out
        gen = self.root / generation
        if not gen.is_dir():
            return out
        for node_dir in os.scandir(gen):
            for year in os.scandir(node_dir.path):
                if year.is_symlink() and year.name.isdigit():
                    out[(node_dir.name, int(year.name))] = os.path.basename(os.readlink(year.path))
        return out

    def payload(self, node: str, year: int, payload_id: str) -> Path:
        return self.data / node / str(year) / payload_id

    # --- writing -------------------------------------------------------------------------------------------

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the store's lock (one publisher at a time across processes; freed by the kernel on kill -9)."""
        self.root.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.root / "lock", os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing the descriptor releases the lock

    def staging(self, node: str, year: int) -> Path:
        folder = self.data / node / str(year)
        for part in (self.data, self.data / node, folder):  # a symlink planted here would lead the write out
            if part.is_symlink():
                raise OSError(f"{part} is a symbolic link; the publication store holds none there")
        folder.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=folder))
        os.chmod(staging, 0o755)  # mkdtemp makes it 0700; a published folder is meant to be read
        return staging

    def commit_payload(self, staging: Path, node: str, year: int, payload_id: str) -> Path:
        """Rename a written, fsynced staging folder to its id; an existing payload of that id (same bytes) is
        kept and the staging folder dropped."""
        final = self.payload(node, year, payload_id)
        if final.is_dir():
            shutil.rmtree(staging)
        else:
            os.replace(staging, final)
            fsync_dir(final.parent)
        return final

    def build_generation(self, entries: Mapping[tuple[str, int], str], step: Step = _no_step) -> str:
        """A new generation folder listing ``entries`` ((node, year) -> payload id); returns its name."""
        step("gen")
        # named by what it lists, so the same publication gives the same tree; half-built, it is not ``current``
        # and the next recovery removes it
        listing = "\n".join(f"{n}/{y}/{p}" for (n, y), p in sorted(entries.items()))
        gen = self.root / (GEN_PREFIX + hashlib.sha256(listing.encode()).hexdigest()[:16])
        if gen.name == self.current():
            return gen.name  # already the current generation: nothing to build, nothing to switch
        if gen.exists():
            shutil.rmtree(gen)
        gen.mkdir(mode=0o755)
        for (node, year), payload_id in sorted(entries.items()):
            node_dir = gen / node
            node_dir.mkdir(exist_ok=True)
            os.symlink(f"../../{DATA}/{node}/{year}/{payload_id}", node_dir / str(year))
        for node_dir in gen.iterdir():
            fsync_dir(node_dir)
        fsync_dir(gen)
        return gen.name

    def switch(self, generation: str, step: Step = _no_step) -> None:
        """Point ``current`` at ``generation`` in one rename: every node switches at once."""
        if generation == self.current():
            return
        step("switch")
        nxt = self.root / f"{NEXT_PREFIX}{os.getpid()}"
        if nxt.is_symlink() or nxt.exists():
            nxt.unlink()
        os.symlink(generation, nxt)
        os.replace(nxt, self.root / CURRENT)
        fsync_dir(self.root)
        step("switched")  # a point too: switched, nothing cleaned up yet

    def collect_garbage(self, step: Step = _no_step, stage: str = "cleanup") -> list[Path]:
        """Remove everything ``current`` does not reach (see the module note); returns what was removed.
        Only under the lock: another publisher's work in progress would look like garbage."""
        removed: list[Path] = []
        if not self.root.is_dir():
            return removed
        current = self.current()
        keep = self.entries(current)
        for entry in sorted(self.root.iterdir()):
            stale_gen = entry.name.startswith(GEN_PREFIX) and entry.name != current
            if stale_gen or entry.name.startswith(NEXT_PREFIX):
                step(stage)
                _remove(entry)
                removed.append(entry)
        if self.data.is_dir():
            for node_dir in sorted(self.data.iterdir()):
                for year_dir in sorted(node_dir.iterdir()):
                    wanted = keep.get((node_dir.name, int(year_dir.name))) if year_dir.name.isdigit() else None
                    for payload in sorted(year_dir.iterdir()):
                        if payload.name != wanted:
                            step(stage)
                            _remove(payload)
                            removed.append(payload)
                    if wanted is None:
                        _rmdir(year_dir)
                _rmdir(node_dir)
        return removed


def _remove(path: Path) -> None:
    if path.is_symlink() or not path.is_dir():
        path.unlink(missing_ok=True)
    else:
        shutil.rmtree(path, ignore_errors=True)


def _rmdir(path: Path) -> None:
    try:
        path.rmdir()
    except OSError:
        pass
