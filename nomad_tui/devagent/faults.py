"""Fault switches for tests, set through POST /v1/devagent/faults and consumed request by request."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

FAIL = "fail"
DROP = "drop"
DELAY = "delay"
MALFORMED = "malformed"


@dataclass
class Fault:
    kind: str
    remaining: int  # 0 means "every request until cleared" (only used for delays)
    path_prefix: str = ""
    status: int = 500
    message: str = "Internal Server Error"
    delay_ms: int = 0

    def matches(self, path: str) -> bool:
        return path.startswith(self.path_prefix)

    def describe(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "remaining": self.remaining,
            "path_prefix": self.path_prefix,
            "status": self.status,
            "message": self.message,
            "delay_ms": self.delay_ms,
        }


class FaultError(ValueError):
    pass


class Faults:
    def __init__(self) -> None:
        self.active: list[Fault] = []

    def configure(self, body: dict[str, Any]) -> None:
        if not isinstance(body, dict):
            raise FaultError("body must be a JSON object")
        if body.get("clear"):
            self.active.clear()
        prefix = str(body.get("path_prefix", ""))
        try:
            if "fail_next" in body:
                self.active.append(
                    Fault(
                        FAIL,
                        _count(body["fail_next"]),
                        prefix,
                        status=int(body.get("status", 500)),
                        message=str(body.get("message", "Internal Server Error")),
                    )
                )
            if "drop_next" in body:
                self.active.append(Fault(DROP, _count(body["drop_next"]), prefix))
            if "delay_ms" in body:
                self.active.append(Fault(DELAY, int(body.get("delay_next", 0)), prefix, delay_ms=int(body["delay_ms"])))
            if "malformed_next" in body:
                self.active.append(Fault(MALFORMED, _count(body["malformed_next"]), prefix))
        except (TypeError, ValueError) as exc:
            raise FaultError(f"bad fault value: {exc}") from exc

    def take(self, kind: str, path: str) -> Fault | None:
        """The first matching fault of `kind`, counting one use of it."""
        for fault in self.active:
            if fault.kind == kind and fault.matches(path):
                if fault.remaining > 0:
                    fault.remaining -= 1
                    if fault.remaining == 0:
                        self.active.remove(fault)
                return fault
        return None


def _count(value: Any) -> int:
    count = int(value)
    if count < 1:
        raise ValueError("a count must be at least 1")
    return count
