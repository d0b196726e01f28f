"""Path confinement: the folders and files a Prefect UI user may name must lie under configured roots.

A deployment's run form lets anyone with access to the UI type a path. Without a check, a run could read returns
from, or publish into, any folder the worker's account can reach (``../../etc``, ``/home/someone``, a symlink that
leads out). Every path parameter is therefore resolved (``..`` collapsed, symlinks followed, even for paths that do
not exist yet) and must lie inside one of the allowed roots; otherwise the run is refused before any work starts.

The roots come from the environment variable ``NIANBAO_ALLOWED_ROOTS`` (``os.pathsep``-separated, ``:`` on Linux);
when it is unset, the only root is the current working directory of the process that runs the flow (the serve
script's or the worker's).

Pure standard library on purpose (no Prefect): the flows decide *when* to confine, this module says *whether* a
path is allowed.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from schemas.errors import NianbaoError

ROOTS_ENV = "NIANBAO_ALLOWED_ROOTS"


class PathNotAllowed(NianbaoError, ValueError):
    """A path parameter points outside every allowed root."""


# how each path parameter of a run is named in a refusal (the run form shows the parameter names in brackets)
PATH_LABELS = {
    "submissions": "submissions folder ('submissions')",
    "roster": "roster file ('roster')",
    "warehouse": "warehouse file ('warehouse')",
    "out": "publish folder ('out')",
}


def roots_configured(env: Mapping[str, str] | None = None) -> bool:
    """True when ``NIANBAO_ALLOWED_ROOTS`` names at least one folder: every run is then confined."""
    return bool((os.environ if env is None else env).get(ROOTS_ENV, "").strip())


def confine_run_parameters(**paths: str | os.PathLike[str]) -> dict[str, Path]:
    """Check a run's path parameters (submissions, roster, warehouse, out) against the allowed roots, each named
    by its label in the message (e.g. "publish folder ('out')"); raise PathNotAllowed naming every bad one."""
    return confine_all({PATH_LABELS.get(name, f"parameter '{name}'"): value for name, value in paths.items()})


def allowed_roots(env: Mapping[str, str] | None = None, cwd: Path | None = None) -> list[Path]:
    """The resolved roots from ``NIANBAO_ALLOWED_ROOTS``, or the current working directory when it is unset/empty."""
    env = os.environ if env is None else env
    raw = env.get(ROOTS_ENV, "")
    base = Path.cwd() if cwd is None else Path(cwd)
    roots = [Path(part).expanduser() for part in raw.split(os.pathsep) if part.strip()]
    if not roots:
        roots = [base]
    # a relative root is taken relative to the working directory, like any other relative path
    return [(r if r.is_absolute() else base / r).resolve(strict=False) for r in roots]


def confine(path: str | os.PathLike[str], roots: Sequence[Path], what: str = "path", cwd: Path | None = None) -> Path:
    """``path`` resolved (``..`` collapsed, symlinks followed); raises PathNotAllowed if it is outside all ``roots``.

    ``what`` names the parameter in the message (e.g. "submissions folder"), so the user knows which field to fix.
    """
    text = os.fspath(path)
    if not text.strip():
        raise PathNotAllowed(f"The {what} is empty: give a path inside {_roots_text(roots)}.")
    if "\x00" in text:
        raise PathNotAllowed(f"The {what} {text!r} contains a NUL character; it cannot be a path.")
    p = Path(text).expanduser()
    base = Path.cwd() if cwd is None else Path(cwd)
    resolved = (p if p.is_absolute() else base / p).resolve(strict=False)
    for root in roots:
        if resolved.is_relative_to(root):
            return resolved
    raise PathNotAllowed(
        f"The {what} {text!r} resolves to {resolved}, which is outside the folders this nianbao installation may "
        f"use ({_roots_text(roots)}). Choose a path inside one of them, or ask the administrator to add its folder "
        f"to {ROOTS_ENV}. Nothing was read or written."
    )


def confine_all(
    paths: Mapping[str, str | os.PathLike[str]], roots: Sequence[Path] | None = None, cwd: Path | None = None
) -> dict[str, Path]:
    """Check several named paths at once (``{"submissions folder": "...", ...}``); all problems in one message."""
    roots = allowed_roots(cwd=cwd) if roots is None else list(roots)
    resolved: dict[str, Path] = {}
    problems: list[str] = []
    for what, path in paths.items():
        try:
            resolved[what] = confine(path, roots, what, cwd=cwd)
        except PathNotAllowed as exc:
            problems.append(str(exc))
    if problems:
        raise PathNotAllowed("\n".join(problems))
    return resolved


def _roots_text(roots: Sequence[Path]) -> str:
    return ", ".join(str(r) for r in roots) or "(no roots configured)"
