"""Where the UI tells the audit log what it sent: lifecycle outcomes and exec sessions opening and closing.

Records are built from the settings the action used (its context and address, never its token) and the
raw names the API was given; the log's writer thread does the I/O, so none of this can block or fail
an action.
"""

from __future__ import annotations

from nomad_tui.actions import Outcome, Plan
from nomad_tui.audit import AuditLog, AuditRecord
from nomad_tui.settings import Settings
from nomad_tui.ui.widgets.exec_pane import ExecPane


def audit_log_of(app: object) -> AuditLog | None:
    """The app's audit log; None for apps without one (tests that mount a screen alone)."""
    log = getattr(app, "audit", None)
    return log if isinstance(log, AuditLog) else None


def audit_outcome(app: object, settings: Settings, plan: Plan, outcome: Outcome) -> None:
    """One request of a lifecycle action (`actions.execute` calls back for sent ones only)."""
    log = audit_log_of(app)
    if log is None:
        return
    target = outcome.target
    log.write(
        AuditRecord(
            action=plan.kind.value,
            context=settings.context,
            address=settings.display_address,
            namespace=target.namespace,
            allocation=target.alloc_id,
            job=target.job,
            task=plan.tasks.task or ("" if plan.kind.value == "stop" else "(all)"),
            signal=plan.signal,
            result=outcome.message if outcome.ok else "",
            error="" if outcome.ok else outcome.message,
        )
    )


def audit_exec(app: object, pane: ExecPane, action: str, *, result: str) -> None:
    log = audit_log_of(app)
    if log is None:
        return
    target, settings = pane.target, pane.settings
    log.write(
        AuditRecord(
            action=action,
            context=settings.context,
            address=settings.display_address,
            namespace=target.namespace,
            allocation=target.alloc_id,
            job=target.job,
            task=target.task,
            result=result,
        )
    )
