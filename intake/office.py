"""Old binary office files (Word .doc, WPS .wps, Excel .xls, WPS .et, RTF) converted by LibreOffice headless into the
OOXML our readers know (DOCX, XLSX).

Each conversion runs ``soffice --headless --convert-to <target>`` on a private temporary copy with its own
throwaway user profile (``-env:UserInstallation``): LibreOffice refuses to start a second instance on a profile in
use, so conversions running in parallel (several workers of a batch) would otherwise collide or hand their work to
each other. The whole process group is killed on timeout (``soffice`` is a wrapper that starts ``soffice.bin``).

The program is ``$NIANBAO_SOFFICE`` if set, else ``soffice`` (or ``libreoffice``) on PATH. Everything that goes wrong
is :class:`intake.errors.UnreadableFile` (rule I1) with the reason: converter missing (naming the Debian packages),
conversion failed, timed out, or produced nothing.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from intake.errors import UnreadableFile

TIMEOUT_SECONDS = (
    120.0  # far above a normal conversion (mostly LibreOffice starting); a hung import must not hang a run
)
TARGETS = ("docx", "xlsx")
PACKAGES = "libreoffice-writer-nogui libreoffice-calc-nogui"


def soffice_program() -> str:
    """The LibreOffice program to run, or raise UnreadableFile naming what is missing and how to install it."""
    configured = os.environ.get("NIANBAO_SOFFICE", "").strip()
    if configured:
        found = shutil.which(configured)
        if found:
            return found
        raise UnreadableFile(
            f"the office-file converter is missing: NIANBAO_SOFFICE={configured!r} is not an executable program. "
            f"Install LibreOffice (Debian: apt-get install {PACKAGES}) or point NIANBAO_SOFFICE at soffice"
        )
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    raise UnreadableFile(
        "the office-file converter is missing: LibreOffice (soffice) is not installed, so .doc/.wps/.xls/.et files "
        f"cannot be read. Install it (Debian: apt-get install {PACKAGES}) or send the file as .docx/.xlsx"
    )


def convert(data: bytes, source_suffix: str, target: str, timeout: float = TIMEOUT_SECONDS) -> bytes:
    """``data`` (a file whose kind the suffix names, e.g. ".doc", ".xls") converted to ``target`` ("docx"/"xlsx")."""
    if target not in TARGETS:
        raise ValueError(f"target must be one of {TARGETS}, not {target!r}")
    program = soffice_program()
    suffix = "." + source_suffix.lower().lstrip(".")
    with tempfile.TemporaryDirectory(prefix="nianbao-soffice-") as tmp:
        work = Path(tmp)
        source = work / "in" / f"source{suffix}"  # our own name: nothing from the submission reaches the command line
        outdir = work / "out"
        source.parent.mkdir()
        outdir.mkdir()
        source.write_bytes(data)
        command = [
            program,
            f"-env:UserInstallation={(work / 'profile').as_uri()}",
            "--headless",
            "--invisible",
            "--nologo",
            "--norestore",
            "--nolockcheck",
            "--nodefault",
            "--convert-to",
            target,
            "--outdir",
            str(outdir),
            str(source),
        ]
        env = dict(os.environ, HOME=str(work))  # nothing of the caller's profile or home is touched
        try:
            proc = subprocess.Popen(
                command,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                cwd=work,
                env=env,
                start_new_session=True,
            )
        except OSError as exc:
            raise UnreadableFile(f"the office-file converter {program} could not be started ({exc})") from exc
        try:
            output, _ = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            raise UnreadableFile(
                f"converting the {suffix} file to {target} with LibreOffice took longer than {timeout:.0f} s; "
                f"refused (save it as .{target} and send that)"
            ) from None
        finally:
            _kill_group(proc)  # soffice.bin may outlive a wrapper that has already returned
        result = outdir / f"source.{target}"
        if proc.returncode != 0 or not result.is_file() or result.stat().st_size == 0:
            said = " ".join(output.decode("utf-8", "replace").split())[-300:] or "no output"
            raise UnreadableFile(
                f"LibreOffice could not convert the {suffix} file to {target} (exit {proc.returncode}: {said}); "
                f"the file may be damaged or password-protected: open it and save it as .{target}"
            )
        return result.read_bytes()


def _kill_group(proc: subprocess.Popen) -> None:
    """End the process group this conversion started (by its id), if anything of it is still running."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    proc.wait()
