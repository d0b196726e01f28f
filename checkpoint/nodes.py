"""The checkpoint frame for a whole tree: every node's G1, G3, G4 and G5 rows stacked into ONE frame.

A Great Expectations run has a fixed cost (~0.25 s), so a country of thousands of nodes is checked in a single run
on one stacked frame, each row tagged with the node it is about (``node_id``, ``node_name``); the expectations are
the same as for one district (checkpoint.suite.CHECKS). Rows per node:

* G1 — one row per reporting unit, on the node it reports to directly (its ``home``). A township without an
  accepted return blocks its district, its city, its province and the country: GX finds the unit once, and
  :func:`g1_blocked` then names every blocked node with it (one row per node × unit, as a reader expects), from
  the nodes' ``home`` column. One row per unit rather than per (node, unit below it) keeps the GX frame at
  ~150,000 G1 rows for a country instead of ~1.3 million;
* G3 — one row per cell: ``actual`` is the node as consolidated over the closure (sql/consolidate_nodes.sql);
  ``expected`` is re-derived another way, as the sum of the node's DIRECT children — the units that report to it
  directly (sql/direct_sums.sql) plus its child nodes' figures. When this holds at every node, every node equals
  the sum over all its units, by induction from the districts up. A blank in a unit's return makes the cell's
  expected value unknown, so G3 fails on it (blank is not zero);
* G4 — the 42 identities (A1, A2, A3, L1) on each node's report, computed for all nodes at once on a wide
  (node × cell) frame with the rule catalogue's own formulas;
* G5 — one row per reporting unit with an accepted version, on its home node like G1: it fails when the unit's
  latest received return is rejected and the office keeps no older version (:func:`g5_frame`), and blocks the
  same nodes G1 would.

Values are exact Python ints (the fee in millionths of a 万元), None when unknown, as in checkpoint.frames. The
sums run on (node × cell) int64 matrices. Text columns are categorical (``check_id`` excepted): a country's frame
has ~800,000 rows, which GX filters by ``rule`` some 40 times, and categories are built from codes and copied as
codes, where strings would be converted and copied one by one.
Pure pandas: no GX, no I/O.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from pandas.api.types import union_categoricals

from checkpoint.frames import CHECK_COLUMNS, G4_RULES, CheckpointInputError, _require_columns, fee_micro
from schemas.cells import CELL_KEYS, FEE_KEY
from schemas.models import IDENTITIES

NODE_COLUMNS = ["node_id", "node_name"]  # which node a row is about (G1 in the GX frame: the unit's home node)
NODE_CHECK_COLUMNS = CHECK_COLUMNS + NODE_COLUMNS
TEXT_COLUMNS = ["rule", "detail", "unit_id", "unit_name", "cell", "formula_cells", "node_id", "node_name"]
SEPARATOR = "|"  # check_id = "<home node>|G1:<unit_id>", "<node_id>|G3:<cell>", "<node_id>|G4:A1:<cell>"


# --- helpers ------------------------------------------------------------------------------------------------------


def _numbers(frame: pd.DataFrame, where: str) -> pd.Series:
    """One comparable number per long-form row (Int64, <NA> when blank): counts from value_int, the fee from
    value_dec in millionths of a 万元 (only one row per node or unit, so the per-value conversion is cheap)."""
    values = frame["value_int"].astype("Int64").copy()
    is_fee = (frame["cell_key"] == FEE_KEY).to_numpy()
    if is_fee.any():
        fees = [
            fee_micro(v, f"{where}[{n}, {FEE_KEY}]")
            for n, v in zip(frame.loc[is_fee, "node_id"], frame.loc[is_fee, "value_dec"])
        ]
        values[is_fee] = pd.array(fees, dtype="Int64")
    return values


def _positions(values: pd.Series, vocabulary: pd.Index) -> np.ndarray:
    """Where each value sits in ``vocabulary`` (-1 when absent): factorised first, so the look-up runs once per
    distinct value, not once per row."""
    codes, uniques = pd.factorize(values.astype(str))
    return vocabulary.get_indexer(pd.Index(uniques, dtype=object))[codes]


def _text(vocabulary: list[str] | np.ndarray | pd.Index | pd.Series, positions: np.ndarray) -> pd.Categorical:
    """The text column ``vocabulary[positions]``, built from codes (the vocabulary may repeat a word)."""
    if not isinstance(vocabulary, (pd.Index, pd.Series)):
        vocabulary = np.asarray(vocabulary, dtype=object)
    codes, words = pd.factorize(vocabulary)
    categories = pd.Index(np.asarray(words, dtype=object), dtype=object)  # object, so the three parts stack
    return pd.Categorical.from_codes(codes[positions], categories=categories)


def _check_ids(nodes: np.ndarray, suffixes: np.ndarray) -> list[str]:
    """ "<node>|<suffix>" per row (Python str: check_id is unique per row, a category would not save anything)."""
    return [f"{node}{SEPARATOR}{suffix}" for node, suffix in zip(nodes, suffixes)]


def _constant(word: str, rows: int) -> pd.Categorical:
    return pd.Categorical.from_codes(np.zeros(rows, dtype=np.int8), categories=pd.Index([word], dtype=object))


def _nones(rows: int) -> pd.Series:
    return pd.Series([None] * rows, dtype=object)


def _dense(
    i: np.ndarray, j: np.ndarray, values: pd.Series, shape: tuple[int, int]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Long rows at (node i, cell j) as three (node × cell) matrices: Σ of the known values, "some row is there",
    "some row is there with an unknown value". Rows with i or j = -1 are left out; two rows at the same (node,
    cell) add up, as a GROUP BY would."""
    keep = (i >= 0) & (j >= 0)
    flat = (i * shape[1] + j)[keep]
    numbers = values.fillna(0).to_numpy(dtype=np.int64)[keep]
    blank = values.isna().to_numpy()[keep]
    total = np.zeros(shape[0] * shape[1], dtype=np.int64)
    sums = pd.Series(numbers).groupby(flat).sum()  # exact int64, duplicates added
    total[sums.index.to_numpy()] = sums.to_numpy()
    present = np.zeros(shape[0] * shape[1], dtype=bool)
    present[flat] = True
    unknown = np.zeros(shape[0] * shape[1], dtype=bool)
    unknown[flat[blank]] = True
    return total.reshape(shape), present.reshape(shape), unknown.reshape(shape)


def _objects(total: np.ndarray, unknown: np.ndarray) -> pd.Series:
    """int64 values -> flat object column of Python ints, None where unknown (row-major)."""
    out = total.ravel().astype(object)
    out[unknown.ravel()] = None
    return pd.Series(out, dtype=object)


def _node_index(nodes: pd.DataFrame) -> pd.Index:
    _require_columns(nodes, "nodes", ["node_id", "node_name", "home"])
    node_ids = pd.Index(nodes["node_id"].astype(str).to_numpy(dtype=object))
    if node_ids.has_duplicates:
        raise CheckpointInputError(f"nodes: node(s) {node_ids[node_ids.duplicated()].tolist()[:5]} appear twice")
    return node_ids


# --- G1: completeness ---------------------------------------------------------------------------------------------


def g1_frame(nodes: pd.DataFrame, units: pd.DataFrame) -> pd.DataFrame:
    """One G1 row per reporting unit, tagged with the node it reports to directly.

    ``units``: unit_id, unit_name, home (a node of ``nodes``), accepted_submission_id (None when the unit has no
    accepted return). The nodes above ``home`` are not repeated here: see :func:`g1_blocked`.
    """
    _require_columns(units, "units", ["unit_id", "unit_name", "home", "accepted_submission_id"])
    node_ids = _node_index(nodes)
    home = _positions(units["home"], node_ids)
    if (home < 0).any():
        strangers = sorted(set(units["home"].astype(str)[home < 0]))
        lost = units["unit_id"].astype(str)[home < 0].tolist()[:5]
        raise CheckpointInputError(f"units: home node(s) {strangers[:5]} of unit(s) {lost} are not nodes of this run")
    unit_ids = units["unit_id"].astype(str)
    if unit_ids.duplicated().any():
        raise CheckpointInputError(f"units: unit_id(s) {unit_ids[unit_ids.duplicated()].tolist()[:5]} appear twice")
    rows = len(units)
    accepted = units["accepted_submission_id"].astype(object)
    return pd.DataFrame(
        {
            "check_id": _check_ids(node_ids.to_numpy()[home], "G1:" + unit_ids.to_numpy(dtype=object)),
            "rule": _constant("G1", rows),
            "detail": _constant("", rows),
            "unit_id": _text(unit_ids, np.arange(rows)),
            "unit_name": _text(units["unit_name"].astype(str), np.arange(rows)),
            "cell": _constant("", rows),
            "formula_cells": _constant("", rows),
            "accepted_submission_id": pd.Series(accepted.where(accepted.notna(), None).to_numpy(), dtype=object),
            "expected": _nones(rows),
            "actual": _nones(rows),
            "node_id": _text(node_ids, home),
            "node_name": _text(nodes["node_name"].astype(str), home),
        }
    )


# --- G5: the latest version is the one counted ----------------------------------------------------------------

G5_COLUMNS = ["verdict", "current_version", "version", "current_rules"]


def g5_frame(nodes: pd.DataFrame, units: pd.DataFrame) -> pd.DataFrame:
    """One G5 row per reporting unit that has an accepted version (a unit with none is G1's), tagged with its home.

    ``units`` as for :func:`g1_frame`, plus (warehouse.store.Warehouse.unit_verdicts) ``verdict``,
    ``current_version`` (its latest received return), ``version`` (the version counted) and ``current_rules``. The
    row's ``accepted_submission_id`` is None — and G5 fails — when the latest return is rejected and nothing is kept
    (verdict ``rejected``): the older accepted version would otherwise be published silently. ``expected`` is the
    latest version, ``actual`` the version counted, ``detail`` the rules the latest return failed. A frame without
    these columns (the caller knows no verdicts) has no G5 rows.
    """
    if any(c not in units.columns for c in G5_COLUMNS):
        return g1_frame(nodes, units).iloc[0:0]
    base = g1_frame(nodes, units)
    has_version = base["accepted_submission_id"].notna().to_numpy()
    rows = base[has_version].reset_index(drop=True)
    picked = units[has_version].reset_index(drop=True)
    rejected = (picked["verdict"].astype(str) == "rejected").to_numpy()
    accepted = rows["accepted_submission_id"].astype(object).to_numpy(copy=True)
    accepted[rejected] = None
    rules = [", ".join(str(r).split(",")) if isinstance(r, str) else "" for r in picked["current_rules"]]
    n = len(rows)
    return pd.DataFrame(
        {
            "check_id": [c.replace(SEPARATOR + "G1:", SEPARATOR + "G5:", 1) for c in rows["check_id"]],
            "rule": _constant("G5", n),
            "detail": _text(rules, np.arange(n)) if n else _constant("", 0),
            "unit_id": rows["unit_id"],
            "unit_name": rows["unit_name"],
            "cell": _constant("", n),
            "formula_cells": _constant("", n),
            "accepted_submission_id": pd.Series(accepted, dtype=object),
            "expected": pd.Series([_int_or_none(v) for v in picked["current_version"]], dtype=object),
            "actual": pd.Series([_int_or_none(v) for v in picked["version"]], dtype=object),
            "node_id": rows["node_id"],
            "node_name": rows["node_name"],
        }
    )


def _int_or_none(value: object) -> int | None:
    return None if value is None or pd.isna(value) else int(value)  # type: ignore[call-overload]  # a pandas scalar


def node_chains(nodes: pd.DataFrame) -> dict[str, list[str]]:
    """node_id -> [that node, the node it reports to, ..., the run's root]: every node a unit at home there blocks."""
    home = dict(zip(nodes["node_id"].astype(str), nodes["home"].astype(str)))
    chains: dict[str, list[str]] = {}
    for node in home:
        chain, seen = [], set()
        current = node
        while current in home and current not in seen:  # stops at the root (home "") and on a cycle
            seen.add(current)
            chain.append(current)
            current = home[current]
        chains[node] = chain
    return chains


def g1_blocked(failing: pd.DataFrame, nodes: pd.DataFrame) -> pd.DataFrame:
    """Failing G1 (or G5) rows (one per unit, ``node_id`` its home) as one row per (blocked node, unit).

    Each unit without an accepted return blocks its home node and every node above it inside the run. Rows come
    in node order (``nodes``), then in the order of ``failing`` within a node; ``node_id``, ``node_name`` and
    ``check_id`` name the blocked node, every other column is the unit's.
    """
    if failing.empty:
        return failing
    chains = node_chains(nodes)
    order = {n: i for i, n in enumerate(nodes["node_id"].astype(str))}
    names = dict(zip(nodes["node_id"].astype(str), nodes["node_name"].astype(str)))
    rows = failing.reset_index(drop=True)
    rows["node_id"] = rows["node_id"].astype(str)
    pairs = rows["node_id"].map(chains).explode()  # index: the unit's row; value: one node it blocks
    out = rows.loc[pairs.index].copy()
    out["node_id"] = pairs.to_numpy(dtype=object)
    out["node_name"] = out["node_id"].map(names)
    out["check_id"] = out["node_id"] + SEPARATOR + out["rule"].astype(str) + ":" + out["unit_id"].astype(str)
    out["_node_order"] = out["node_id"].map(order)
    out["_unit_order"] = pairs.index
    out = out.sort_values(["_node_order", "_unit_order"], kind="stable")
    return out.drop(columns=["_node_order", "_unit_order"]).reset_index(drop=True)


# --- G3: every node is the sum of its direct children -----------------------------------------------------------


def g3_frame(nodes: pd.DataFrame, node_cells: pd.DataFrame, direct: pd.DataFrame) -> pd.DataFrame:
    """One G3 row per (node, cell): actual = the consolidated node, expected = Σ direct units + Σ child nodes.

    ``nodes``: node_id, node_name, home (the node it reports to, "" for the run's root). ``node_cells``: node_id,
    cell_key, value_int, value_dec. ``direct``: the same plus ``blanks`` (sql/direct_sums.sql).

    Rows: every node × every cell of the format (node order, then cell order), then any stray key a node report
    carries (sorted by node and key; it fails: nothing adds up to it).
    """
    _require_columns(node_cells, "node_cells", ["node_id", "cell_key", "value_int", "value_dec"])
    _require_columns(direct, "direct", ["node_id", "cell_key", "value_int", "value_dec", "blanks"])
    node_ids = _node_index(nodes)
    reported = node_cells["node_id"].astype(str)
    node_at = _positions(reported, node_ids)
    if (node_at < 0).any():
        strangers = sorted(set(reported[node_at < 0]))
        raise CheckpointInputError(f"node_cells: node(s) {strangers[:5]} are not nodes of this run")
    stray_keys = sorted(set(node_cells["cell_key"].astype(str).unique()) - set(CELL_KEYS))
    keys = pd.Index(list(CELL_KEYS) + stray_keys, dtype=object)
    shape = (len(node_ids), len(keys))
    key_at = _positions(node_cells["cell_key"], keys)
    if pd.Series(node_at * shape[1] + key_at).duplicated().any():
        raise CheckpointInputError("node_cells: more than one value for a (node, cell); pass one report per node")

    # actual: each node's report; a cell it lacks (or leaves blank) is unknown and fails
    actual, reported_cell, actual_blank = _dense(node_at, key_at, _numbers(node_cells, "node_cells"), shape)
    # expected: Σ the units reporting directly to the node (a blank in one of them makes it unknown) ...
    unit_values = _numbers(direct, "direct").mask(direct["blanks"].astype("Int64") > 0)
    expected, _, expected_blank = _dense(
        _positions(direct["node_id"], node_ids), _positions(direct["cell_key"], keys), unit_values, shape
    )
    # ... + Σ its child nodes' reports (the root reports to no node of this run); no part at all: the sum is 0
    parent = node_ids.get_indexer(pd.Index(nodes["home"].astype(str).to_numpy(dtype=object)))
    child = np.flatnonzero(parent >= 0)
    if len(child):
        by_parent = pd.DataFrame(actual[child]).groupby(parent[child]).sum()
        expected[by_parent.index.to_numpy()] += by_parent.to_numpy(dtype=np.int64)
        blank_child = pd.DataFrame(actual_blank[child]).groupby(parent[child]).any()
        expected_blank[blank_child.index.to_numpy()] |= blank_child.to_numpy(dtype=bool)

    cells = len(CELL_KEYS)
    node_rows = np.repeat(np.arange(len(node_ids)), cells)  # node-major: a node's cells together
    key_rows = np.tile(np.arange(cells), len(node_ids))
    exp_values = _objects(expected[:, :cells], expected_blank[:, :cells])
    act_values = _objects(actual[:, :cells], (actual_blank | ~reported_cell)[:, :cells])
    if stray_keys:  # (node, key) pairs a report carries outside the format, sorted by node id and key
        stray = np.flatnonzero(key_at >= cells)
        stray = stray[np.lexsort((keys[key_at[stray]], node_ids[node_at[stray]]))]
        i, j = node_at[stray], key_at[stray]
        node_rows, key_rows = np.concatenate([node_rows, i]), np.concatenate([key_rows, j])
        exp_values = pd.concat([exp_values, _objects(expected[i, j], expected_blank[i, j])], ignore_index=True)
        act_values = pd.concat([act_values, _objects(actual[i, j], actual_blank[i, j])], ignore_index=True)
    rows = len(node_rows)
    return pd.DataFrame(
        {
            "check_id": _check_ids(node_ids.to_numpy()[node_rows], "G3:" + keys.to_numpy()[key_rows]),
            "rule": _constant("G3", rows),
            "detail": _constant("", rows),
            "unit_id": _text(node_ids, node_rows),
            "unit_name": _text(nodes["node_name"].astype(str), node_rows),
            "cell": _text(keys, key_rows),
            "formula_cells": _text(keys, key_rows),
            "accepted_submission_id": _nones(rows),
            "expected": exp_values,
            "actual": act_values,
            "node_id": _text(node_ids, node_rows),
            "node_name": _text(nodes["node_name"].astype(str), node_rows),
        }
    )


# --- G4: the identities of each node's report -------------------------------------------------------------------


def _identity_checks() -> list[tuple[str, str, tuple[str, ...], int, int]]:
    """The G4 checks in the rule catalogue's order: (rule, cell, reads, identity index, column)."""
    out = []
    chosen = [identity for identity in IDENTITIES if identity.rule in G4_RULES]
    for index, identity in enumerate(chosen):
        for column, (cell, reads) in enumerate(zip(identity.cells, identity.reads)):
            out.append((identity.rule, cell, tuple(reads), index, column))
    return out


def g4_frame(nodes: pd.DataFrame, node_cells: pd.DataFrame) -> pd.DataFrame:
    """The 42 identities of each node's report, for every node at once.

    For each node, one row per (identity, checked cell), in the order the nodes first appear in ``node_cells``
    (one report per node: g3_frame checks it). The formulas run once on a wide (node × cell) frame where a blank
    counts 0, and an ``expected`` whose formula reads a blank (other than the checked cell itself) is unknown
    (None), never a guess.
    """
    node_ids = _node_index(nodes)
    count_keys = pd.Index([k for k in CELL_KEYS if k != FEE_KEY], dtype=object)
    order = pd.Index(pd.unique(node_cells["node_id"].astype(str)), dtype=object)  # the nodes that have a report
    counts = node_cells[node_cells["cell_key"].isin(count_keys)]
    shape = (len(order), len(count_keys))
    at = (_positions(counts["node_id"], order), _positions(counts["cell_key"], count_keys))
    total, present, blank = _dense(*at, _numbers(counts, "node_cells"), shape)
    known = present & ~blank
    filled = pd.DataFrame(total, columns=count_keys)  # a blank counts 0 here; ``known`` says which values are real

    chosen = [identity for identity in IDENTITIES if identity.rule in G4_RULES]
    expected_by_identity = [identity.expected(filled) for identity in chosen]
    checks = _identity_checks()
    expected = np.zeros((len(order), len(checks)), dtype=np.int64)
    expected_unknown = np.zeros((len(order), len(checks)), dtype=bool)
    actual = np.zeros((len(order), len(checks)), dtype=np.int64)
    actual_unknown = np.zeros((len(order), len(checks)), dtype=bool)
    for c, (_, cell, reads, index, column) in enumerate(checks):
        others = count_keys.get_indexer([k for k in reads if k != cell])
        expected[:, c] = expected_by_identity[index][:, column]
        expected_unknown[:, c] = ~known[:, others].all(axis=1)
        cell_at = count_keys.get_loc(cell)
        actual[:, c] = total[:, cell_at]
        actual_unknown[:, c] = ~known[:, cell_at]

    node_rows = np.repeat(np.arange(len(order)), len(checks))  # node-major: a node's 42 rows together
    check_rows = np.tile(np.arange(len(checks)), len(order))
    suffixes = [f"G4:{rule}:{cell}" for rule, cell, _, _, _ in checks]
    names = nodes["node_name"].astype(str).to_numpy(dtype=object)
    name_of = names[node_ids.get_indexer(order)] if len(names) else np.array([], dtype=object)
    return pd.DataFrame(
        {
            "check_id": _check_ids(order.to_numpy()[node_rows], np.array(suffixes, dtype=object)[check_rows]),
            "rule": _constant("G4", len(node_rows)),
            "detail": _text([rule for rule, _, _, _, _ in checks], check_rows),
            "unit_id": _text(order, node_rows),
            "unit_name": _text(name_of, node_rows),
            "cell": _text([cell for _, cell, _, _, _ in checks], check_rows),
            "formula_cells": _text([",".join(reads) for _, _, reads, _, _ in checks], check_rows),
            "accepted_submission_id": _nones(len(node_rows)),
            "expected": _objects(expected, expected_unknown),
            "actual": _objects(actual, actual_unknown),
            "node_id": _text(order, node_rows),
            "node_name": _text(name_of, node_rows),
        }
    )


# --- the stacked frame --------------------------------------------------------------------------------------------


def build_node_checks(
    nodes: pd.DataFrame, units: pd.DataFrame, node_cells: pd.DataFrame, direct: pd.DataFrame
) -> pd.DataFrame:
    """The stacked frame GX validates for every node of a run (columns ``NODE_CHECK_COLUMNS``).

    ``nodes``: node_id, node_name, home. ``units``: one row per reporting unit (g1_frame). ``node_cells`` and
    ``direct``: see g3_frame. Validate it with checkpoint.suite.run_node_checkpoint, giving it the same ``nodes``.
    Text columns are categorical, ``check_id`` is Python str, expected/actual Python ints or None.
    """
    parts = [
        g1_frame(nodes, units),
        g3_frame(nodes, node_cells, direct),
        g4_frame(nodes, node_cells),
        g5_frame(nodes, units),
    ]
    columns: dict[str, object] = {}
    for column in NODE_CHECK_COLUMNS:
        if column in TEXT_COLUMNS:  # one set of categories for the three parts
            columns[column] = union_categoricals([p[column].array for p in parts])
        else:
            columns[column] = pd.Series(np.concatenate([p[column].to_numpy(dtype=object) for p in parts]), dtype=object)
    frame = pd.DataFrame(columns)
    check_ids = frame["check_id"].to_numpy(dtype=object)
    if len(set(check_ids)) != len(check_ids):
        duplicated = frame.loc[frame["check_id"].duplicated(), "check_id"].tolist()[:5]
        raise CheckpointInputError(f"duplicate checks {duplicated}")
    return frame
