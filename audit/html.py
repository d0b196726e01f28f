"""What every page of the audit report shares: the Jinja environment (autoescaped, every value through ``|v``),
the escaping that makes control characters visible, and the atomic write of a page."""

from __future__ import annotations

import os
import tempfile
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup, escape

from schemas.text import visible_text


def visible(value: Any) -> Markup:
    """Escape for HTML and make control characters visible (``\\x07``), so that nothing in the data can act as
    markup, hide text or reorder it (bidi overrides)."""
    return escape(visible_text("" if value is None else str(value)))


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(resources.files("audit").joinpath("templates"))),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["v"] = visible
    return env


def write_page(target: Path, page: bytes, what: str) -> Path:
    """Write one page atomically (a temporary file beside it, then os.replace: a reader never sees half a page).
    ``what`` names the report in the error a full disk raises."""
    tmp = ""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".audit-", suffix=".html")
        with os.fdopen(fd, "wb") as fh:
            fh.write(page)
        os.replace(tmp, target)
    except OSError as exc:  # a full disk says "[Errno 28]" and no file: name the page that could not be written
        raise OSError(exc.errno, f"{exc.strerror or exc} — {what} cannot be written", str(target)) from exc
    finally:
        if tmp and os.path.exists(tmp):
            os.unlink(tmp)
    return target
