"""checkpoint: the Great Expectations checkpoint that decides whether the reports of a run's nodes may be published."""

from checkpoint.frames import CheckpointInputError
from checkpoint.nodes import build_node_checks
from checkpoint.suite import CheckpointEvaluationError, CheckpointResult, ExpectationOutcome, run_node_checkpoint

__all__ = [
    "CheckpointEvaluationError",
    "CheckpointInputError",
    "CheckpointResult",
    "ExpectationOutcome",
    "build_node_checks",
    "run_node_checkpoint",
]
