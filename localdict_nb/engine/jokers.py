"""Jokers, ETag conditions, retrieve flags, sentinels and result types (as in persidict).

- Jokers, assigned instead of a value: ``KEEP_CURRENT``, ``DELETE_CURRENT``.
- Sentinels: ``ITEM_NOT_AVAILABLE`` (the key is absent), ``VALUE_NOT_RETRIEVED``.
- ETag conditions: ``ANY_ETAG``, ``ETAG_IS_THE_SAME``, ``ETAG_HAS_CHANGED``.
- Retrieve flags: ``ALWAYS_RETRIEVE``, ``NEVER_RETRIEVE``, ``IF_ETAG_CHANGED``.
- Status flags: ``CONTINUE_NORMAL_EXECUTION``, ``EXECUTION_IS_COMPLETE``.
- Results: ``OperationResult`` (transform_item), ``ConditionalOperationResult`` (``*_if``).

Every flag is a singleton (mixinforge's ``SingletonMixin``), so identity survives
``copy``, ``deepcopy`` and ``pickle``: compare with ``is``. Where persidict is
imported too, ``join`` makes each of persidict's flags the very object of ours
(``persidict_bridge`` says when and why); ``native`` maps persidict's flag objects
by class name, should a persidict we cannot join ever hand us one.
"""

from __future__ import annotations

import sys
import warnings
from dataclasses import dataclass
from types import ModuleType
from typing import (
    TYPE_CHECKING,
    Any,
    Final,
    Generic,
    NewType,
    Protocol,
    Self,
    TypeAlias,
    TypeVar,
    runtime_checkable,
)

from mixinforge import SingletonMixin

ValueType = TypeVar("ValueType")
"""The type of the values a dict holds."""

ETagValue = NewType("ETagValue", str)
"""An opaque version tag of one stored value."""


class _Flag(SingletonMixin):
    """A singleton that shows itself by its constant's name (``KEEP_CURRENT``)."""

    _label = ""

    if TYPE_CHECKING:  # SingletonMixin.__new__ is unannotated; flags take no arguments
        def __new__(cls) -> Self: ...

    def __repr__(self) -> str:
        return self._label or f"{type(self).__name__}()"


class Joker(_Flag):
    """A command assigned to a key instead of a value."""


class KeepCurrentFlag(Joker):
    """Leave the current value (or absence) as it is."""


class DeleteCurrentFlag(Joker):
    """Delete the current value if there is one."""


class ItemNotAvailableFlag(_Flag):
    """The key is absent (as an ETag, a value, or a transformer's input)."""


class ValueNotRetrievedFlag(_Flag):
    """The value exists but was not fetched."""


class ETagConditionFlag(_Flag):
    """Base class of the ETag conditions."""


class AnyETagFlag(ETagConditionFlag):
    """Always satisfied."""


class ETagIsTheSameFlag(ETagConditionFlag):
    """Satisfied when the expected ETag equals the actual one."""


class ETagHasChangedFlag(ETagConditionFlag):
    """Satisfied when the expected ETag differs from the actual one."""


class RetrieveValueFlag(_Flag):
    """Base class of the flags that say when a conditional operation fetches the value."""


class AlwaysRetrieveFlag(RetrieveValueFlag):
    """Always fetch the value."""


class NeverRetrieveFlag(RetrieveValueFlag):
    """Never fetch the value; answer ``VALUE_NOT_RETRIEVED``."""


class IfETagChangedRetrieveFlag(RetrieveValueFlag):
    """Fetch the value only when the actual ETag differs from the expected one."""


class StatusFlag(_Flag):
    """Base class of the flags that tell a caller how to go on."""


class ContinueNormalExecutionFlag(StatusFlag):
    """Nothing special happened: go on as usual."""


class ExecutionIsCompleteFlag(StatusFlag):
    """Everything needed is done: no further processing."""


_PERSIDICT_FLAGS: Final = "persidict.jokers_and_status_flags"


def join(theirs: ModuleType) -> None:
    """Make persidict's flags (module ``theirs``) and ours one set: one object per flag.

    Each of our flag classes becomes a subclass of persidict's class of the same
    name, so persidict's ``isinstance`` checks accept our objects. The package
    imported first supplies the objects: if ours exist, persidict's module and
    classes are pointed at them (it has just run: nobody holds its own yet); if not
    (persidict came first), persidict's objects are moved into our classes and our
    constants are created as those very objects. Warns and leaves the two sets
    apart (``native`` still maps inputs) if persidict's flags do not fit.
    """
    ours = {name: cls for name, cls in globals().items()
            if isinstance(cls, type) and issubclass(cls, _Flag) and cls is not _Flag}
    pairs = [(ours[name], cls) for name, cls in vars(theirs).items()
             if name in ours and isinstance(cls, type) and issubclass(cls, SingletonMixin)]
    constants = [(name, obj) for name, obj in vars(theirs).items()
                 if name.isupper() and type(obj).__name__ in ours]
    try:
        for our_cls, their_cls in pairs:
            if not issubclass(our_cls, their_cls):
                our_cls.__bases__ = (*our_cls.__bases__, their_cls)
        for name, obj in constants:
            _adopt(theirs, name, obj, ours[type(obj).__name__])
    except TypeError as exc:  # a layout or an MRO that no longer fits this persidict
        msg = f"localdict_nb could not join persidict's flags with its own: {exc}"
        warnings.warn(msg, RuntimeWarning, stacklevel=2)


def _adopt(theirs: ModuleType, name: str, obj: Any, our_cls: type[_Flag]) -> None:
    """Make ``theirs.<name>`` (``obj``) and the singleton of ``our_cls`` one object."""
    instances, counters = SingletonMixin._instances, SingletonMixin._counters
    their_cls = type(obj)
    one = instances.get(our_cls)
    if one is None:  # persidict came first: its object becomes our singleton
        obj.__class__ = our_cls
        one = instances[our_cls] = obj
        counters.setdefault(our_cls, 0)
    elif one is not obj:  # we came first: persidict's module and class hand out ours
        setattr(theirs, name, one)
    instances[their_cls] = one  # persidict's class (unpickling, say) answers ours too
    counters.setdefault(their_cls, 0)


if (_theirs := sys.modules.get(_PERSIDICT_FLAGS)) is not None:
    join(_theirs)  # before our constants exist: they will be persidict's objects


KEEP_CURRENT: Final = KeepCurrentFlag()
DELETE_CURRENT: Final = DeleteCurrentFlag()
ITEM_NOT_AVAILABLE: Final = ItemNotAvailableFlag()
VALUE_NOT_RETRIEVED: Final = ValueNotRetrievedFlag()
ANY_ETAG: Final = AnyETagFlag()
ETAG_IS_THE_SAME: Final = ETagIsTheSameFlag()
ETAG_HAS_CHANGED: Final = ETagHasChangedFlag()
ALWAYS_RETRIEVE: Final = AlwaysRetrieveFlag()
NEVER_RETRIEVE: Final = NeverRetrieveFlag()
IF_ETAG_CHANGED: Final = IfETagChangedRetrieveFlag()
CONTINUE_NORMAL_EXECUTION: Final = ContinueNormalExecutionFlag()
EXECUTION_IS_COMPLETE: Final = ExecutionIsCompleteFlag()

_BY_CLASS_NAME: dict[str, _Flag] = {}
for _name, _flag in list(globals().items()):
    if isinstance(_flag, _Flag):
        type(_flag)._label = _name
        _BY_CLASS_NAME[type(_flag).__name__] = _flag


def native(obj: Any) -> Any:
    """Our flag for one of persidict's flag objects; anything else unchanged."""
    cls = type(obj)
    if cls.__module__ == _PERSIDICT_FLAGS:
        return _BY_CLASS_NAME.get(cls.__name__, obj)
    return obj

ETagIfExists: TypeAlias = ETagValue | ItemNotAvailableFlag
"""An ETag, or ``ITEM_NOT_AVAILABLE`` when the key is absent."""


@runtime_checkable
class TransformingFunction(Protocol[ValueType]):
    """Takes the current value (or ``ITEM_NOT_AVAILABLE``); returns a value or a joker."""

    def __call__(
        self, current: ValueType | ItemNotAvailableFlag, /
    ) -> ValueType | KeepCurrentFlag | DeleteCurrentFlag:
        """The new value for ``current``, or a joker."""


@dataclass(frozen=True)
class OperationResult(Generic[ValueType]):
    """What ``transform_item`` did: the ETag and value after it."""

    resulting_etag: ETagIfExists
    new_value: ValueType | ItemNotAvailableFlag


@dataclass(frozen=True)
class ConditionalOperationResult(Generic[ValueType]):
    """What a conditional (``*_if``) operation found and did."""

    condition_was_satisfied: bool
    actual_etag: ETagIfExists
    resulting_etag: ETagIfExists
    new_value: ValueType | ItemNotAvailableFlag | ValueNotRetrievedFlag

    @property
    def value_was_mutated(self) -> bool:
        """Whether the operation changed the stored value."""
        return self.resulting_etag != self.actual_etag
