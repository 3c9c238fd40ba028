"""Exceptions, matching persidict's taxonomy; each subclasses a builtin.

::

TypeError
└── MutationPolicyError        the dict's policy (append-only) forbids the change
RuntimeError
├── ConcurrencyConflictError   retries ran out under concurrent modification
└── BackendError               the backend cannot complete (never a missing key)
"""

from __future__ import annotations

from typing import Any

__all__ = ["BackendError", "ConcurrencyConflictError", "MutationPolicyError"]


class MutationPolicyError(TypeError):
    """The dict's mutation policy (e.g. ``"append-only"``) forbids the change."""

    def __init__(self, policy: str) -> None:
        super().__init__(policy)
        self.policy = policy


class ConcurrencyConflictError(RuntimeError):
    """An operation gave up after ``attempts`` tries on ``key``."""

    def __init__(self, key: Any, attempts: int) -> None:
        super().__init__(f"operation failed after {attempts} attempt(s) for key {key!r}")
        self.key = key
        self.attempts = attempts


class BackendError(RuntimeError):
    """The backend cannot complete ``operation``; raise it ``from`` the cause."""

    def __init__(self, message: str, *, backend: str, operation: str, key: Any = None) -> None:
        super().__init__(message)
        self.backend = backend
        self.operation = operation
        self.key = key
