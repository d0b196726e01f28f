"""Progress bars: drawn only when asked or on a terminal, advanced per batch by the flow's reporter."""

from __future__ import annotations

import io

from rich.console import Console

from flows.progress import RichReporter, progress_bar, reporter, wanted


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_bars_only_on_a_terminal_unless_asked() -> None:
    assert wanted(None, io.StringIO()) is False
    assert wanted(None, Tty()) is True
    assert wanted(True, io.StringIO()) is True
    assert wanted(False, Tty()) is False


def test_the_reporter_counts_files_and_returns_then_goes_quiet() -> None:
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=100)
    with progress_bar(True, console) as bars:
        assert reporter() is bars and isinstance(bars, RichReporter)
        bars.files_found(4000)
        bars.files_read(2000)
        bars.files_read(2000)
        bars.returns_found(3999)
        bars.returns_validated(3999)
        tasks = {t.description: (t.completed, t.total) for t in bars.progress.tasks}
    assert tasks == {"files read": (4000, 4000), "returns validated": (3999, 3999)}
    assert "files read" in out.getvalue() and "4000/4000" in out.getvalue()
    assert not isinstance(reporter(), RichReporter)  # outside the block (a worker, the UI): nothing is drawn


def test_no_bars_when_not_a_terminal() -> None:
    out = io.StringIO()
    with progress_bar(None, Console(file=out)) as bars:
        bars.files_found(10)
        bars.files_read(10)
    assert not isinstance(bars, RichReporter) and out.getvalue() == ""
