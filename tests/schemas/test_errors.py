"""Every exception class nianbao defines derives from schemas.errors.NianbaoError (one exception root).

Read from the source (AST), not by importing, so flows/ (Prefect) need not be loaded: a class is an exception when
one of its bases is a builtin exception or a class already known to be one; it is rooted when NianbaoError is
among its ancestors. Private classes (``_TooLarge``: control flow inside one module) may stay outside the root;
:data:`OUTSIDE_ROOT` lists the public ones that stay outside on purpose, and why.
"""

from __future__ import annotations

import ast
import builtins
from pathlib import Path

import pytest

from intake.errors import IntakeError
from intake.published_errors import OldFormatError, ParseError
from schemas.errors import NianbaoError

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("schemas", "intake", "warehouse", "checkpoint", "publish", "audit", "pipeline", "flows", "sampledata")
BUILTIN_EXCEPTIONS = {
    name for name, obj in vars(builtins).items() if isinstance(obj, type) and issubclass(obj, BaseException)
}
# a SystemExit on purpose: the server guard ends the process, and `except Exception` must not swallow it
OUTSIDE_ROOT = {"OpenServer": "SystemExit"}


def _base_name(node: ast.expr) -> str:
    if isinstance(node, ast.Attribute):
        return node.attr
    return node.id if isinstance(node, ast.Name) else ""


def _classes() -> list[tuple[str, str, list[str]]]:
    """Every class of the packages, nested ones included: (name, where, base names)."""
    found = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
            for node in ast.walk(tree):
                if isinstance(node, ast.ClassDef):
                    found.append(
                        (node.name, f"{path.relative_to(ROOT)}:{node.lineno}", [_base_name(b) for b in node.bases])
                    )
    return found


def _exceptions() -> dict[str, tuple[str, bool]]:
    """Exception classes: name -> (where, rooted). Bases are matched by name, so two exception classes must not
    share one."""
    classes = _classes()
    known: dict[str, bool] = {name: False for name in BUILTIN_EXCEPTIONS}
    known["NianbaoError"] = True
    out: dict[str, tuple[str, bool]] = {}
    changed = True
    while changed:  # a base may come later in the walk than its subclass: iterate to a fixpoint
        changed = False
        for name, where, bases in classes:
            if where in {w for w, _ in out.values()} or name == "NianbaoError" or not any(b in known for b in bases):
                continue
            assert name not in out, f"two exception classes named {name}: {out[name][0]}, {where}"
            rooted = any(known.get(b, False) for b in bases)
            known[name], out[name] = rooted, (where, rooted)
            changed = True
    return out


def test_the_walk_finds_the_exceptions() -> None:
    """The walk sees classes in every layer (so an empty result cannot pass the test below)."""
    found = _exceptions()
    for name in (
        "IntakeError",
        "ParseError",
        "WarehouseError",
        "PublishError",
        "RosterError",
        "RunRefused",
        "SpanOverlap",
        "CheckpointInputError",
        "AuditQueryError",
        "PublicationBlocked",
        "_TooLarge",
    ):
        assert name in found, name
    assert len(found) >= 35


def test_every_public_exception_derives_from_the_root() -> None:
    outside = {
        name: where
        for name, (where, rooted) in _exceptions().items()
        if not rooted and not name.startswith("_") and name not in OUTSIDE_ROOT
    }
    assert not outside, f"exception classes outside schemas.errors.NianbaoError: {outside}"


@pytest.mark.parametrize("cls", [ParseError, OldFormatError])
def test_a_published_report_refusal_is_an_intake_error(cls: type[Exception]) -> None:
    assert issubclass(cls, IntakeError) and issubclass(cls, NianbaoError)


def test_parse_error_carries_its_rule_and_detail() -> None:
    err = ParseError("三", "（七）总计", "2 values").with_source("report.html")
    assert (err.rule, err.detail, str(err)) == ("I1", err.message, err.message)
    assert err.detail.startswith("report.html: section 三, row '（七）总计'")
    old = OldFormatError("2019-trial", "本年新制作数量", 2020)
    assert old.rule == "S1" and "2019-trial" in old.detail


def test_builtin_bases_are_kept() -> None:
    """`except ValueError` around a roster read still catches a RosterError."""
    from intake.roster import RosterError
    from publish.errors import PublicationExists
    from warehouse.store import WarehouseError

    assert issubclass(RosterError, ValueError) and issubclass(RosterError, NianbaoError)
    assert issubclass(PublicationExists, FileExistsError) and issubclass(PublicationExists, NianbaoError)
    assert issubclass(WarehouseError, NianbaoError)
