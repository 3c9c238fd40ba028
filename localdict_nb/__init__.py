"""localdict_nb: a fast, thread-safe, observable in-memory LocalDict for notebooks.

``LocalDict`` is a drop-in replacement for ``persidict.LocalDict``: the same
names are importable from here. Importing this package never imports IPython
or the widget stack.
"""

from .events import StoreEvent, Subscription
from .exceptions import BackendError, ConcurrencyConflictError, MutationPolicyError
from .jokers import (
    ALWAYS_RETRIEVE, ANY_ETAG, CONTINUE_NORMAL_EXECUTION, DELETE_CURRENT, ETAG_HAS_CHANGED,
    ETAG_IS_THE_SAME, EXECUTION_IS_COMPLETE, IF_ETAG_CHANGED, ITEM_NOT_AVAILABLE, KEEP_CURRENT,
    NEVER_RETRIEVE, VALUE_NOT_RETRIEVED, AlwaysRetrieveFlag, AnyETagFlag,
    ConditionalOperationResult, ContinueNormalExecutionFlag, DeleteCurrentFlag,
    ETagConditionFlag, ETagHasChangedFlag, ETagIfExists, ETagIsTheSameFlag, ETagValue,
    ExecutionIsCompleteFlag, IfETagChangedRetrieveFlag, ItemNotAvailableFlag, Joker,
    KeepCurrentFlag, NeverRetrieveFlag, OperationResult, RetrieveValueFlag, StatusFlag,
    TransformingFunction, ValueNotRetrievedFlag, ValueType,
)
from .keys import (
    SAFE_CHARS_SET, SAFE_STRING_MAX_LENGTH, NonEmptySafeStrTuple, SafeStrTuple,
    contains_unsafe_chars, get_safe_chars, replace_unsafe_chars,
)
from .local_dict import LocalDict
from .persi_dict import NonEmptyPersiDictKey, PersiDict, PersiDictKey

__version__ = "0.1.0"


def load_ipython_extension(ipython: object) -> None:
    """``%load_ext localdict_nb``: register the %localdict magics."""
    from .magics import load

    load(ipython)


def unload_ipython_extension(ipython: object) -> None:
    """``%unload_ext localdict_nb``: remove the magics and their completer."""
    from .magics import unload

    unload(ipython)

__all__ = [
    "ALWAYS_RETRIEVE", "ANY_ETAG", "CONTINUE_NORMAL_EXECUTION", "DELETE_CURRENT",
    "ETAG_HAS_CHANGED", "ETAG_IS_THE_SAME", "EXECUTION_IS_COMPLETE", "IF_ETAG_CHANGED", "ITEM_NOT_AVAILABLE", "KEEP_CURRENT", "NEVER_RETRIEVE",
    "SAFE_CHARS_SET", "SAFE_STRING_MAX_LENGTH", "VALUE_NOT_RETRIEVED",
    "AlwaysRetrieveFlag", "AnyETagFlag", "BackendError", "ConcurrencyConflictError",
    "ConditionalOperationResult", "ContinueNormalExecutionFlag", "DeleteCurrentFlag", "ETagConditionFlag", "ETagHasChangedFlag",
    "ETagIfExists", "ETagIsTheSameFlag", "ETagValue", "ExecutionIsCompleteFlag", "IfETagChangedRetrieveFlag",
    "ItemNotAvailableFlag", "Joker", "KeepCurrentFlag", "LocalDict", "MutationPolicyError",
    "NeverRetrieveFlag", "NonEmptyPersiDictKey", "NonEmptySafeStrTuple", "OperationResult",
    "PersiDict", "PersiDictKey", "RetrieveValueFlag", "SafeStrTuple", "StatusFlag", "StoreEvent",
    "Subscription", "TransformingFunction", "ValueNotRetrievedFlag", "ValueType",
    "__version__", "contains_unsafe_chars", "get_safe_chars", "load_ipython_extension", "replace_unsafe_chars",
    "unload_ipython_extension",
]
