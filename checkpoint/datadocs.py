"""Great Expectations Data Docs that read offline.

GX 1.24 writes Data Docs pages that load Bootstrap, jQuery, bootstrap-table, Font Awesome, Vega and a logo from
CDNs: offline they render unstyled, without the pass/fail icons, and the index's table (filled by
bootstrap-table) stays empty. :func:`make_offline` copies the vendored files (``datadocs_assets/``, see its README)
into the site's ``static/vendor/`` folder and rewrites every page of the site to use them; resources nianbao does
not need (Vega charts, the dark theme) are dropped. After it, opening a page makes no request off the machine.

GX also copies its whole ``static/`` folder into every site (~4 MB: animated GIFs of its tutorials, a font family
and logos no page of nianbao's site loads); :func:`prune_static` keeps only the files the pages and their style
sheets load, so each run's Data Docs stay ~1 MB whatever the tree (the validation page itself is bounded by the
checkpoint's result format: checkpoint.suite.RESULT_FORMAT).
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from schemas.errors import NianbaoError

VENDOR = Path("static") / "vendor"

# CDN URL (prefix match, query string ignored) -> vendored file under static/vendor/, or None to drop the tag
CDN: dict[str, str | None] = {
    "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css": "css/bootstrap.min.css",
    "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js": "js/bootstrap.min.js",
    "https://code.jquery.com/jquery-3.7.1.min.js": "js/jquery.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js": "js/popper.min.js",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css": "css/bootstrap-table.min.css",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js": "js/bootstrap-table.min.js",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/extensions/filter-control/bootstrap-table-filter-control.min.js": "js/bootstrap-table-filter-control.min.js",
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.css": "css/bootstrap-table-filter-control.min.css",
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.min.css": "css/bootstrap-table-filter-control.min.css",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css/bootstrap-datepicker.min.css": "css/bootstrap-datepicker.min.css",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js/bootstrap-datepicker.min.js": "js/bootstrap-datepicker.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css": "css/fontawesome-all.min.css",
    "https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/bootstrap-prefers-dark.css": None,
    "https://cdn.jsdelivr.net/npm/vega@5": None,
    "https://cdn.jsdelivr.net/npm/vega-lite@5": None,
    "https://cdn.jsdelivr.net/npm/vega-embed@6": None,
}
# GX's logos on S3 -> the copy GX itself ships in the site's static/images/
LOGO_PREFIX = "https://great-expectations-web-assets.s3.us-east-2.amazonaws.com/"
LOCAL_LOGO = Path("static") / "images" / "logo-long.png"

_LOCAL_REF = re.compile(r"""\b(?:src|href)=["']([^"'#?]+)""", re.IGNORECASE)  # a page's own files
_CSS_URL = re.compile(r"""url\(\s*["']?([^"')?#]+)""", re.IGNORECASE)  # what a style sheet loads
_TAG = re.compile(r"<(script|link|img)\b[^>]*?\b(src|href)=\"(https?://[^\"]+)\"[^>]*>(\s*</script>)?", re.IGNORECASE)


class DataDocsError(NianbaoError, RuntimeError):
    """The Data Docs folder cannot be made offline-readable (not a GX site, assets missing)."""


@dataclass
class OfflineReport:
    """What :func:`make_offline` changed: pages rewritten, URLs replaced by local files, tags dropped, and any
    external resource it did not recognise (also dropped, so nothing is fetched)."""

    pages: list[Path] = field(default_factory=list)
    replaced: int = 0
    dropped: int = 0
    unknown: set[str] = field(default_factory=set)


def assets_dir() -> Path:
    return Path(str(resources.files("checkpoint").joinpath("datadocs_assets")))


def _install_assets(site: Path) -> Path:
    target = site / VENDOR
    source = assets_dir()
    if not (source / "css" / "bootstrap.min.css").is_file():
        raise DataDocsError(f"The vendored Data Docs assets are missing from {source}; reinstall nianbao.")
    for sub in ("css", "js", "webfonts"):
        shutil.copytree(source / sub, target / sub, dirs_exist_ok=True)
    return target


def _relative(page: Path, target: Path) -> str:
    return Path(os.path.relpath(target, page.parent)).as_posix()


def _rewrite(page: Path, site: Path, report: OfflineReport) -> None:
    html = page.read_text(encoding="utf-8")

    def swap(match: re.Match[str]) -> str:
        tag, url = match.group(1).lower(), match.group(3)
        base = url.split("?", 1)[0]
        if tag == "img" and url.startswith(LOGO_PREFIX):
            report.replaced += 1
            return match.group(0).replace(url, _relative(page, site / LOCAL_LOGO))
        if tag == "link" and "stylesheet" not in match.group(0).lower() and base not in CDN:
            return match.group(0)  # a <link rel="canonical"> or similar: not loaded
        if (vendored := CDN.get(base)) is not None:
            report.replaced += 1
            return match.group(0).replace(url, _relative(page, site / VENDOR / vendored))
        if base not in CDN:
            report.unknown.add(url)
        report.dropped += 1
        return f"<!-- nianbao: dropped {tag} {base} (offline) -->"

    new = _TAG.sub(swap, html)
    if new != html:
        page.write_text(new, encoding="utf-8")
        report.pages.append(page)


def make_offline(site: Path) -> OfflineReport:
    """Copy the vendored assets into ``site/static/vendor`` and rewrite every HTML page below ``site`` to load
    them instead of the CDNs. Idempotent: a page already rewritten has nothing left to replace."""
    site = Path(site)
    if not (site / "index.html").is_file():
        raise DataDocsError(f"{site} is not a Data Docs site (no index.html); build the docs first.")
    _install_assets(site)
    report = OfflineReport()
    for page in sorted(site.rglob("*.html")):
        _rewrite(page, site, report)
    prune_static(site)
    return report


def _is_local(ref: str) -> bool:
    return ":" not in ref and not ref.startswith("//")  # not http(s):, data:, mailto: nor protocol-relative


def loaded_files(site: Path) -> set[Path]:
    """Every file below ``site/static`` that a page of the site loads, directly or through a style sheet."""
    static = (site / "static").resolve()
    wanted: set[Path] = set()
    sheets: list[Path] = []
    for page in site.rglob("*.html"):
        for ref in _LOCAL_REF.findall(page.read_text(encoding="utf-8")):
            target = (page.parent / ref).resolve()
            if _is_local(ref) and target.is_relative_to(static) and target.is_file():
                wanted.add(target)
                if target.suffix == ".css":
                    sheets.append(target)
    for sheet in sheets:
        for ref in _CSS_URL.findall(sheet.read_text(encoding="utf-8", errors="replace")):
            target = (sheet.parent / ref.strip()).resolve()
            if _is_local(ref) and target.is_relative_to(static) and target.is_file():
                wanted.add(target)
    return wanted


def prune_static(site: Path) -> list[Path]:
    """Remove the files of ``site/static`` no page loads (see the module note); returns what was removed."""
    static = Path(site) / "static"
    if not static.is_dir():
        return []
    wanted = loaded_files(Path(site))
    removed = [f for f in sorted(static.rglob("*")) if f.is_file() and f.resolve() not in wanted]
    for f in removed:
        f.unlink()
    for folder in sorted((d for d in static.rglob("*") if d.is_dir()), key=lambda d: -len(d.parts)):
        if not any(folder.iterdir()):
            folder.rmdir()
    return removed


def external_resources(page: Path) -> list[str]:
    """URLs a page would still load from off the machine (script/link/img with an http(s) source)."""
    return [
        m.group(3)
        for m in _TAG.finditer(page.read_text(encoding="utf-8"))
        if m.group(1).lower() != "link" or "stylesheet" in m.group(0).lower()
    ]
