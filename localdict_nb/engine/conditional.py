"""The conditional ETag operations, written once over a backend's primitives.

``get_item_if``, ``set_item_if``, ``setdefault_if``, ``discard_if``,
``get_with_etag`` and ``transform_item`` each run inside ``_atomic()``, so on a
backend whose ``_atomic`` holds a lock (LocalDict's tree) each is atomic across
threads, and each is a critical section (``interrupts``) that the caller's code
(the transformer, a value's pickling) leaves at once when interrupted.
``PersiDict`` supplies the primitives this mixin calls.
"""

from __future__ import annotations

from typing import Any, Generic

from .interrupts import calls_out, critical
from .jokers import (
    ALWAYS_RETRIEVE,
    ANY_ETAG,
    DELETE_CURRENT,
    ETAG_HAS_CHANGED,
    ETAG_IS_THE_SAME,
    IF_ETAG_CHANGED,
    ITEM_NOT_AVAILABLE,
    KEEP_CURRENT,
    NEVER_RETRIEVE,
    VALUE_NOT_RETRIEVED,
    ConditionalOperationResult,
    ETagConditionFlag,
    ETagIfExists,
    Joker,
    OperationResult,
    RetrieveValueFlag,
    TransformingFunction,
    ValueType,
    native,
)
from .keys import NonEmptyPersiDictKey, to_path

__all__ = ["ConditionalOperations"]

_ABSENT = (ITEM_NOT_AVAILABLE, ITEM_NOT_AVAILABLE)


def _absent(satisfied: bool) -> ConditionalOperationResult[Any]:
    return ConditionalOperationResult(satisfied, ITEM_NOT_AVAILABLE, ITEM_NOT_AVAILABLE,
                                      ITEM_NOT_AVAILABLE)


def _unchanged(satisfied: bool, etag: ETagIfExists, value: Any) -> ConditionalOperationResult[Any]:
    return ConditionalOperationResult(satisfied, etag, etag, value)


class ConditionalOperations(Generic[ValueType]):
    """Mixin: the ETag-conditional operations of a PersiDict."""

    # Supplied by PersiDict.
    _atomic: Any
    _etag_of: Any
    _read: Any
    _write: Any
    _delete: Any
    _check_delete_policy: Any
    _validate_value: Any

    @staticmethod
    def _validate_retrieve_value(flag: Any) -> Any:
        """Our retrieve flag for ``flag`` (ours or persidict's); TypeError for anything else."""
        flag = native(flag)
        if not isinstance(flag, RetrieveValueFlag):
            msg = ("retrieve_value must be ALWAYS_RETRIEVE, NEVER_RETRIEVE,"
                   f" or IF_ETAG_CHANGED, got {type(flag).__name__}")
            raise TypeError(msg)
        return flag

    @staticmethod
    def _check_condition(condition: ETagConditionFlag, expected: Any, actual: Any) -> bool:
        condition, expected = native(condition), native(expected)
        if condition is ANY_ETAG:
            return True
        if condition is ETAG_IS_THE_SAME:
            return bool(expected == actual)
        if condition is ETAG_HAS_CHANGED:
            return bool(expected != actual)
        msg = (f"condition must be ANY_ETAG, ETAG_IS_THE_SAME, or ETAG_HAS_CHANGED, "
               f"got {condition!r} ({type(condition).__module__}.{type(condition).__qualname__})")
        raise ValueError(msg)

    def _fetch(self, path: tuple[str, ...], expected: Any, actual: Any, retrieve: Any) -> Any:
        expected = native(expected)
        if retrieve is NEVER_RETRIEVE or (retrieve is IF_ETAG_CHANGED and expected == actual):
            return VALUE_NOT_RETRIEVED
        found = self._read(path)
        return ITEM_NOT_AVAILABLE if found is None else found[0]

    def get_with_etag(self, key: NonEmptyPersiDictKey) -> ConditionalOperationResult[ValueType]:
        """Return the value and its ETag together (ITEM_NOT_AVAILABLE when absent)."""
        return self.get_item_if(key, condition=ANY_ETAG, expected_etag=ITEM_NOT_AVAILABLE,
                                retrieve_value=ALWAYS_RETRIEVE)

    @critical
    def get_item_if(self, key: NonEmptyPersiDictKey, *, condition: ETagConditionFlag,
                    expected_etag: ETagIfExists,
                    retrieve_value: RetrieveValueFlag = IF_ETAG_CHANGED,
                    ) -> ConditionalOperationResult[ValueType]:
        """Read ``key`` and check an ETag condition, atomically."""
        retrieve_value = self._validate_retrieve_value(retrieve_value)
        path = to_path(key)
        with self._atomic():
            actual = self._etag_of(path)
            satisfied = self._check_condition(condition, expected_etag, actual)
            if actual is ITEM_NOT_AVAILABLE:
                result = _absent(satisfied)
            else:
                result = _unchanged(satisfied, actual,
                                    self._fetch(path, expected_etag, actual, retrieve_value))
        return result

    @critical
    def set_item_if(self, key: NonEmptyPersiDictKey, *, value: ValueType | Joker,
                    condition: ETagConditionFlag, expected_etag: ETagIfExists,
                    retrieve_value: RetrieveValueFlag = IF_ETAG_CHANGED,
                    ) -> ConditionalOperationResult[ValueType]:
        """Store ``value`` (or apply a joker) only if the ETag condition holds, atomically."""
        value = native(value)
        retrieve_value = self._validate_retrieve_value(retrieve_value)
        path = to_path(key)
        with self._atomic():
            actual = self._etag_of(path)
            satisfied = self._check_condition(condition, expected_etag, actual)
            if not satisfied or value is KEEP_CURRENT:
                if actual is ITEM_NOT_AVAILABLE:
                    result = _absent(satisfied)
                else:
                    result = _unchanged(satisfied, actual,
                                        self._fetch(path, expected_etag, actual, retrieve_value))
            elif value is DELETE_CURRENT:
                self._check_delete_policy()
                if self._delete(path):
                    result = ConditionalOperationResult(True, actual, *_ABSENT)
                else:
                    result = _absent(True)
            else:
                self._validate_value(value)
                etag = self._write(path, value)
                result = ConditionalOperationResult(True, actual, etag, value)
        return result

    @critical
    def setdefault_if(self, key: NonEmptyPersiDictKey, *, default_value: ValueType,
                      condition: ETagConditionFlag, expected_etag: ETagIfExists,
                      retrieve_value: RetrieveValueFlag = IF_ETAG_CHANGED,
                      ) -> ConditionalOperationResult[ValueType]:
        """Insert ``default_value`` if ``key`` is absent and the condition holds, atomically."""
        default_value = native(default_value)
        if isinstance(default_value, Joker):
            msg = "default_value must be a regular value, not a Joker command"
            raise TypeError(msg)
        retrieve_value = self._validate_retrieve_value(retrieve_value)
        path = to_path(key)
        with self._atomic():
            actual = self._etag_of(path)
            satisfied = self._check_condition(condition, expected_etag, actual)
            if actual is not ITEM_NOT_AVAILABLE:
                result = _unchanged(satisfied, actual,
                                    self._fetch(path, expected_etag, actual, retrieve_value))
            elif not satisfied:
                result = _absent(False)
            else:
                self._validate_value(default_value)
                etag = self._write(path, default_value)
                result = ConditionalOperationResult(True, ITEM_NOT_AVAILABLE, etag, default_value)
        return result

    @critical
    def discard_if(self, key: NonEmptyPersiDictKey, *, condition: ETagConditionFlag,
                   expected_etag: ETagIfExists) -> ConditionalOperationResult[ValueType]:
        """Delete ``key`` only if the ETag condition holds, atomically."""
        path = to_path(key)
        with self._atomic():
            actual = self._etag_of(path)
            satisfied = self._check_condition(condition, expected_etag, actual)
            if actual is ITEM_NOT_AVAILABLE:
                result = _absent(satisfied)
            elif not satisfied:
                result = _unchanged(False, actual, VALUE_NOT_RETRIEVED)
            else:
                self._check_delete_policy()
                self._delete(path)
                result = ConditionalOperationResult(True, actual, *_ABSENT)
        return result

    @critical
    def transform_item(self, key: NonEmptyPersiDictKey, *,
                       transformer: TransformingFunction[ValueType], n_retries: int | None = 6,
                       ) -> OperationResult[ValueType]:
        """Replace the value of ``key`` with ``transformer(current)``, atomically.

        The transformer runs once, inside ``_atomic()``, so it never conflicts and
        ``n_retries`` (validated for compatibility) is never used. Keep it short.
        A KeyboardInterrupt inside the transformer stops it at once and changes nothing.
        """
        path = to_path(key)
        if n_retries is not None:
            try:
                n_retries = int(n_retries)
            except (TypeError, ValueError) as exc:
                msg = f"n_retries must be a non-negative int or None; got {n_retries!r}"
                raise TypeError(msg) from exc
            if n_retries < 0:
                msg = f"n_retries must be a non-negative int or None; got {n_retries}"
                raise ValueError(msg)
        with self._atomic():
            current, actual = self._read(path) or _ABSENT
            new_value = native(_call(transformer, current))
            if new_value is KEEP_CURRENT:
                result = OperationResult(actual, current)
            elif new_value is DELETE_CURRENT:
                if actual is not ITEM_NOT_AVAILABLE:
                    self._check_delete_policy()
                    self._delete(path)
                result = OperationResult(*_ABSENT)
            else:
                self._validate_value(new_value)
                result = OperationResult(self._write(path, new_value), new_value)
        return result


@calls_out
def _call(function: Any, argument: Any) -> Any:
    """Run the caller's function from a critical section: an interrupt there is raised at once."""
    return function(argument)
