"""localdict_nb: a fast, thread-safe, observable in-memory LocalDict for notebooks.

``LocalDict`` is a drop-in replacement for ``persidict.LocalDict``: the same
names are importable from here. Importing this package never imports IPython
or the widget stack.

Layers, each a folder, arrows down only: ``magics`` (``%localdict``) -> ``view``
(the tree widget) -> ``engine`` (LocalDict). This module sits above all three:
it re-exports the engine's public API, wires the view into the engine's display
hook (imported when a store is first shown), and loads the magics for
``%load_ext localdict_nb``.
"""

from typing import Any

from .engine import (
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
    SAFE_CHARS_SET,
    SAFE_STRING_MAX_LENGTH,
    VALUE_NOT_RETRIEVED,
    AlwaysRetrieveFlag,
    AnyETagFlag,
    BackendError,
    ConcurrencyConflictError,
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
    LocalDict,
    MutationPolicyError,
    NeverRetrieveFlag,
    NonEmptyPersiDictKey,
    NonEmptySafeStrTuple,
    OperationResult,
    PersiDict,
    PersiDictKey,
    RetrieveValueFlag,
    SafeStrTuple,
    StatusFlag,
    StoreEvent,
    Subscription,
    TransformingFunction,
    ValueNotRetrievedFlag,
    ValueType,
    contains_unsafe_chars,
    get_safe_chars,
    replace_unsafe_chars,
)
from .engine import showing as _showing

__version__ = "0.1.0"


def _view_layer() -> _showing.Shower:
    """The view layer, imported when a store is first shown."""
    from .view import display

    return display


_showing.install(_view_layer)


def tree(store: Any, **kwargs: Any) -> Any:
    """A new live tree view widget of ``store``, to display or place in layouts.

    ``store`` is our LocalDict (keyword arguments go to ``view.widget.LocalDictTree``)
    or one of persidict's stores: ``FileDirDict``, ``BasicS3Dict``, ``S3Dict`` or its
    ``LocalDict`` (they go to ``view.store_widget.StoreTree``, which polls).
    """
    if isinstance(store, LocalDict):
        from .view.widget import LocalDictTree

        return LocalDictTree(store, **kwargs)
    from .view.store_widget import StoreTree

    return StoreTree(store, **kwargs)


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
    "ETAG_HAS_CHANGED", "ETAG_IS_THE_SAME", "EXECUTION_IS_COMPLETE", "IF_ETAG_CHANGED",
    "ITEM_NOT_AVAILABLE", "KEEP_CURRENT", "NEVER_RETRIEVE", "SAFE_CHARS_SET",
    "SAFE_STRING_MAX_LENGTH", "VALUE_NOT_RETRIEVED", "AlwaysRetrieveFlag", "AnyETagFlag",
    "BackendError", "ConcurrencyConflictError", "ConditionalOperationResult",
    "ContinueNormalExecutionFlag", "DeleteCurrentFlag", "ETagConditionFlag",
    "ETagHasChangedFlag", "ETagIfExists", "ETagIsTheSameFlag", "ETagValue",
    "ExecutionIsCompleteFlag", "IfETagChangedRetrieveFlag", "ItemNotAvailableFlag", "Joker",
    "KeepCurrentFlag", "LocalDict", "MutationPolicyError", "NeverRetrieveFlag",
    "NonEmptyPersiDictKey", "NonEmptySafeStrTuple", "OperationResult", "PersiDict",
    "PersiDictKey", "RetrieveValueFlag", "SafeStrTuple", "StatusFlag", "StoreEvent",
    "Subscription", "TransformingFunction", "ValueNotRetrievedFlag", "ValueType", "__version__",
    "contains_unsafe_chars", "get_safe_chars", "load_ipython_extension", "replace_unsafe_chars",
    "tree", "unload_ipython_extension",
]
