"""Every output path must lie inside OUT: resolved (``..`` collapsed, symlinks followed) and compared.

Ids are checked against a safe pattern before a path is built from them (schemas/ids.py); this is the second
lock: whatever an id or a symlink planted under OUT says, nothing is written outside the publication root.
"""

from __future__ import annotations

from pathlib import Path

from publish.errors import PublishError


class OutsideOut(PublishError):
    """An output path that resolves outside the publication root; nothing was written there."""


def inside_out(out_root: Path, path: Path, what: str = "output path") -> Path:
    """``path`` if, resolved, it lies inside ``out_root`` resolved; else :class:`OutsideOut` naming both."""
    root = Path(out_root).resolve(strict=False)
    resolved = Path(path).resolve(strict=False)
    if resolved == root or not resolved.is_relative_to(root):
        raise OutsideOut(
            f"The {what} {path} resolves to {resolved}, which is not inside the publication folder {root}; "
            "nothing was written there (is a folder under OUT a symbolic link?)"
        )
    return Path(path)
