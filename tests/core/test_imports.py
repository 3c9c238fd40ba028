import subprocess
import sys
import textwrap
from pathlib import Path

import persidict
import pytest

import localdict_nb

_LOCALDICT_NAMES = [
    "LocalDict", "PersiDict", "PersiDictKey", "NonEmptyPersiDictKey", "SafeStrTuple",
    "NonEmptySafeStrTuple", "get_safe_chars", "replace_unsafe_chars", "MutationPolicyError",
    "ConcurrencyConflictError", "BackendError", "KEEP_CURRENT", "DELETE_CURRENT", "Joker",
    "KeepCurrentFlag", "DeleteCurrentFlag", "ETagValue", "ETagConditionFlag", "AnyETagFlag",
    "ETagIsTheSameFlag", "ETagHasChangedFlag", "ANY_ETAG", "ETAG_IS_THE_SAME",
    "ETAG_HAS_CHANGED", "RetrieveValueFlag", "AlwaysRetrieveFlag", "NeverRetrieveFlag",
    "IfETagChangedRetrieveFlag", "ALWAYS_RETRIEVE", "NEVER_RETRIEVE", "IF_ETAG_CHANGED",
    "ItemNotAvailableFlag", "ValueNotRetrievedFlag", "ITEM_NOT_AVAILABLE", "VALUE_NOT_RETRIEVED",
    "ETagIfExists", "ValueType", "TransformingFunction", "OperationResult",
    "ConditionalOperationResult",
]


def test_import_does_not_load_ipython_or_widgets_or_persidict() -> None:
    code = (
        "import sys, localdict_nb\n"
        "d = localdict_nb.LocalDict(); d['a', 'b'] = 1; assert d['a', 'b'] == 1\n"
        "heavy = [m for m in ('IPython', 'ipywidgets', 'anywidget', 'traitlets', 'persidict')"
        " if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_persidict_names_for_localdict_are_exported() -> None:
    assert set(_LOCALDICT_NAMES) <= set(persidict.__all__)
    for name in _LOCALDICT_NAMES:
        assert name in localdict_nb.__all__
        assert getattr(localdict_nb, name) is not None


def test_swapping_the_import_keeps_code_working() -> None:
    def user_code(module: object) -> list[object]:
        d = module.LocalDict(serialization_format="json")  # type: ignore[attr-defined]  # either package, as a module
        d["runs", "r1"] = {"loss": 0.5}
        d.transform_item(("runs", "r1"), transformer=lambda v: {**v, "loss": v["loss"] / 2})
        res = d.set_item_if(("runs", "r2"), value=1, condition=module.ETAG_IS_THE_SAME,  # type: ignore[attr-defined]  # either package, as a module
                            expected_etag=module.ITEM_NOT_AVAILABLE)  # type: ignore[attr-defined]  # either package, as a module
        view = d.get_subdict("runs")
        return [d["runs", "r1"], res.condition_was_satisfied, res.resulting_etag, len(view),
                sorted(tuple(k) for k in view.keys()), d.etag(("runs", "r1"))]

    assert user_code(localdict_nb) == user_code(persidict)


_ROOT_DICT_OF = """
import sys
import {first}
if {first!r} == "localdict_nb":
    assert "persidict" not in sys.modules and "IPython" not in sys.modules
import localdict_nb
from persidict import FileDirDict, PersiDict


def root_dict_of(root_dict):  # as pythagoras does with what it is given
    if not isinstance(root_dict, PersiDict):
        root_dict = FileDirDict(base_dir=str(root_dict))
    return root_dict


d = localdict_nb.LocalDict()
d["a", "b"] = 1
assert root_dict_of(d) is d
view = d.get_subdict("a")
assert root_dict_of(view) is view and view["b"] == 1
assert isinstance(root_dict_of({path!r}), FileDirDict)
assert issubclass(localdict_nb.LocalDict, PersiDict)
print("IPython" in sys.modules)
"""


@pytest.mark.parametrize("first", ["localdict_nb", "persidict"])
def test_code_that_wants_a_persidict_keeps_ours_as_is(first: str, tmp_path: Path) -> None:
    code = textwrap.dedent(_ROOT_DICT_OF.format(first=first, path=str(tmp_path)))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"
