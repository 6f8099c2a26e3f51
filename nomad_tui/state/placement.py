"""Why a job's allocations are not placed, in the words `nomad job status` uses.

The story comes from the job's evaluations: when one of them is `blocked` (waiting for the cluster
to change), the newest evaluation with `FailedTGAllocs` says, per task group, what the scheduler
found: nodes filtered by which constraint or class, exhausted on which dimension, quota hit
(command/job_status.go outputFailedPlacements, command/monitor.go formatAllocMetrics).  Every name in
it comes from the cluster and is sanitised here.
"""

from __future__ import annotations

from collections.abc import Sequence

from nomad_tui.api.cluster_models import Evaluation
from nomad_tui.api.models import AllocMetric
from nomad_tui.sanitize import sanitize_line

MAX_FAILED_GROUPS = 3  # as the CLI: more groups are summarised by a pointer to the evaluation


def latest_failure(evals: Sequence[Evaluation]) -> Evaluation | None:
    """The evaluation whose failures still matter: the newest with FailedTGAllocs, if any is blocked."""
    if not any(e.status == "blocked" for e in evals):
        return None
    failed = [e for e in evals if e.failed_tg_allocs]
    return max(failed, key=lambda e: e.create_index, default=None)


def metric_lines(metrics: AllocMetric) -> list[str]:
    """One line per reason, as formatAllocMetrics prints them (without the scores)."""
    lines: list[str] = []
    if metrics.nodes_evaluated == 0:
        lines.append("No nodes were eligible for evaluation")
    for dc, available in sorted((metrics.nodes_available or {}).items()):
        if available == 0:
            lines.append(f'No nodes are available in datacenter "{sanitize_line(dc)}"')
    for node_class, count in sorted((metrics.class_filtered or {}).items()):
        lines.append(f'Class "{sanitize_line(node_class)}": {count} nodes excluded by filter')
    for constraint, count in sorted((metrics.constraint_filtered or {}).items()):
        lines.append(f'Constraint "{sanitize_line(constraint)}": {count} nodes excluded by filter')
    if metrics.nodes_exhausted > 0:
        lines.append(f"Resources exhausted on {metrics.nodes_exhausted} nodes")
    for node_class, count in sorted((metrics.class_exhausted or {}).items()):
        lines.append(f'Class "{sanitize_line(node_class)}" exhausted on {count} nodes')
    for dimension, count in sorted((metrics.dimension_exhausted or {}).items()):
        lines.append(f'Dimension "{sanitize_line(dimension)}" exhausted on {count} nodes')
    for quota in metrics.quota_exhausted or []:
        lines.append(f'Quota limit hit "{sanitize_line(quota)}"')
    return lines


def placement_story(evals: Sequence[Evaluation], queued: dict[str, int] | None = None) -> list[str]:
    """The "Placement Failure" section as plain lines; empty when nothing is waiting to be placed."""
    failure = latest_failure(evals)
    if failure is None or not failure.failed_tg_allocs:
        return []
    lines = [f"Placement failure (evaluation {sanitize_line(failure.id[:8])}):"]
    groups = sorted(failure.failed_tg_allocs)
    for group in groups[:MAX_FAILED_GROUPS]:
        metrics = failure.failed_tg_allocs[group]
        waiting = (queued or {}).get(group, 0)
        suffix = f" ({waiting} allocation{'s' if waiting != 1 else ''} queued)" if waiting else ""
        lines.append(f'Task Group "{sanitize_line(group)}"{suffix}:')
        lines.extend(f"  * {line}" for line in metric_lines(metrics))
    if len(groups) > MAX_FAILED_GROUPS:
        lines.append(f"Placement failures truncated: {len(groups) - MAX_FAILED_GROUPS} more task groups.")
    return lines
