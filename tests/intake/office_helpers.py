"""LibreOffice in tests: make the .doc / .xls / .pdf files units send from our own DOCX and XLSX (real soffice).

CI runs as root and `make test` installs LibreOffice there, so these tests must run there: they are skipped only
when soffice is absent AND we are not root (a developer's machine without it).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

FILTERS = {"doc": "doc:MS Word 97", "xls": "xls:MS Excel 97", "pdf": "pdf", "txt": "txt:Text (encoded):UTF8"}


def need_soffice() -> None:
    if shutil.which("soffice") is None and os.geteuid() != 0:
        pytest.skip(
            "LibreOffice (soffice) is not installed and this is not root, so `make test` could not install it "
            "(apt-get install libreoffice-writer-nogui libreoffice-calc-nogui)"
        )


def save_as(data: bytes, suffix: str, target: str) -> bytes:
    """``data`` (a file of type ``suffix``) saved by LibreOffice as ``target`` ("doc", "xls", "pdf" or "txt")."""
    need_soffice()
    with tempfile.TemporaryDirectory(prefix="nianbao-test-soffice-") as tmp:
        work = Path(tmp)
        source = work / f"source{suffix}"
        source.write_bytes(data)
        subprocess.run(
            [
                "soffice",
                f"-env:UserInstallation={(work / 'profile').as_uri()}",
                "--headless",
                "--norestore",
                "--convert-to",
                FILTERS[target],
                "--outdir",
                str(work / "out"),
                str(source),
            ],
            check=True,
            capture_output=True,
            timeout=180,
        )
        return (work / "out" / f"source.{target}").read_bytes()
