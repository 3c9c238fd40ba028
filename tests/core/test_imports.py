import subprocess
import sys

import persidict

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


def test_import_does_not_load_ipython_or_widgets() -> None:
    code = (
        "import sys, localdict_nb\n"
        "d = localdict_nb.LocalDict(); d['a', 'b'] = 1; assert d['a', 'b'] == 1\n"
        "heavy = [m for m in ('IPython', 'ipywidgets', 'anywidget', 'traitlets')"
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
