"""checkpoint: the Great Expectations checkpoint that decides whether a district report may be published."""

from checkpoint.frames import CheckpointInputError
from checkpoint.suite import CheckpointEvaluationError, CheckpointResult, ExpectationOutcome, run_checkpoint

__all__ = [
    "CheckpointEvaluationError",
    "CheckpointInputError",
    "CheckpointResult",
    "ExpectationOutcome",
    "run_checkpoint",
]
