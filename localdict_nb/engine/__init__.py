"""The engine: LocalDict and everything it is made of, usable without a notebook.

The package shows the project's three layers as folders, and arrows point down
only: ``magics`` -> ``view`` -> ``engine``. The engine is a package of its own so
that this rule can be seen and checked (a test walks the import graph): nothing in
here imports IPython, widgets, the view or the magics, not even lazily. The view
reads a store only through ``inspection`` and follows it through ``watch``, and
fills the display hook of ``showing``; nothing outside this package touches an
underscore name in it.

Modules: ``keys`` (the one place keys are normalised), ``jokers``, ``exceptions``,
``events`` (observers and event queues), ``isolation`` (how values are copied),
``interrupts`` (Ctrl-C is deferred inside critical sections), ``backend`` (the RAM
tree), ``persi_dict`` and ``conditional`` (persidict's contract), ``local_dict``,
``inspection`` (what tools may read), ``watch`` (how a view follows a tree: cheap
stamps to poll and a ring of recent events, so that writes never push to views),
``showing`` (the display hook) and ``persidict_bridge`` (where persidict is
installed, our LocalDict is a ``persidict.PersiDict`` and the two packages' flags
are the same objects; it never imports persidict itself).
"""

from . import persidict_bridge
from .events import StoreEvent, Subscription
from .exceptions import BackendError, ConcurrencyConflictError, MutationPolicyError
from .jokers import (
    ALWAYS_RETRIEVE,
    ANY_ETAG,
    CONTINUE_NORMAL_EXECUTION,
    DELETE_CURRENT,
    ETAG_HAS_CHANGED,
    ETAG_IS_THE_SAME,
    EXECUTION_IS_COMPLETE,
    IF_ETAG_CHANGED,
    ITEM_NOT_AVAILABLE,
    KEEP_CURRENT,
    NEVER_RETRIEVE,
    VALUE_NOT_RETRIEVED,
    AlwaysRetrieveFlag,
    AnyETagFlag,
    ConditionalOperationResult,
    ContinueNormalExecutionFlag,
    DeleteCurrentFlag,
    ETagConditionFlag,
    ETagHasChangedFlag,
    ETagIfExists,
    ETagIsTheSameFlag,
    ETagValue,
    ExecutionIsCompleteFlag,
    IfETagChangedRetrieveFlag,
    ItemNotAvailableFlag,
    Joker,
    KeepCurrentFlag,
    NeverRetrieveFlag,
    OperationResult,
    RetrieveValueFlag,
    StatusFlag,
    TransformingFunction,
    ValueNotRetrievedFlag,
    ValueType,
)
from .keys import (
    SAFE_CHARS_SET,
    SAFE_STRING_MAX_LENGTH,
    NonEmptySafeStrTuple,
    SafeStrTuple,
    contains_unsafe_chars,
    get_safe_chars,
    replace_unsafe_chars,
)
from .local_dict import LocalDict
from .persi_dict import NonEmptyPersiDictKey, PersiDict, PersiDictKey

persidict_bridge.install()

__all__ = [
    "ALWAYS_RETRIEVE", "ANY_ETAG", "CONTINUE_NORMAL_EXECUTION", "DELETE_CURRENT",
    "ETAG_HAS_CHANGED", "ETAG_IS_THE_SAME", "EXECUTION_IS_COMPLETE", "IF_ETAG_CHANGED",
    "ITEM_NOT_AVAILABLE", "KEEP_CURRENT", "NEVER_RETRIEVE", "SAFE_CHARS_SET",
    "SAFE_STRING_MAX_LENGTH", "VALUE_NOT_RETRIEVED", "AlwaysRetrieveFlag", "AnyETagFlag",
    "BackendError", "ConcurrencyConflictError", "ConditionalOperationResult",
    "ContinueNormalExecutionFlag", "DeleteCurrentFlag", "ETagConditionFlag", "ETagHasChangedFlag",
    "ETagIfExists", "ETagIsTheSameFlag", "ETagValue", "ExecutionIsCompleteFlag",
    "IfETagChangedRetrieveFlag", "ItemNotAvailableFlag", "Joker", "KeepCurrentFlag", "LocalDict",
    "MutationPolicyError", "NeverRetrieveFlag", "NonEmptyPersiDictKey", "NonEmptySafeStrTuple",
    "OperationResult", "PersiDict", "PersiDictKey", "RetrieveValueFlag", "SafeStrTuple",
    "StatusFlag", "StoreEvent", "Subscription", "TransformingFunction", "ValueNotRetrievedFlag",
    "ValueType", "contains_unsafe_chars", "get_safe_chars", "replace_unsafe_chars",
]
