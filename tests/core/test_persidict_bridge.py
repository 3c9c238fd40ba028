"""Whichever package comes first, ours is a persidict.PersiDict and each flag is one object.

Each test runs in a fresh interpreter, since what is tested is what importing does.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

_CHECK = """
import copy, pickle, sys
import localdict_nb, persidict
import persidict.jokers_and_status_flags as theirs

names = [n for n, v in vars(theirs).items() if n.isupper() and isinstance(v, theirs.SingletonMixin)]
assert len(names) == 12, names
for name in names:
    one = getattr(localdict_nb, name)
    assert getattr(theirs, name) is one and getattr(persidict, name, one) is one, name
    assert isinstance(one, getattr(theirs, type(one).__name__)), name
    assert type(one)() is one and getattr(theirs, type(one).__name__)() is one, name
    assert pickle.loads(pickle.dumps(one)) is one and copy.deepcopy(one) is one, name
    assert repr(one) == name, repr(one)
assert isinstance(localdict_nb.LocalDict(), persidict.PersiDict)
assert issubclass(localdict_nb.PersiDict, persidict.persi_dict.PersiDict)
assert not [f for f in sys.meta_path if type(f).__module__.startswith("localdict_nb")]
assert type(persidict.persi_dict.__loader__).__module__ != "localdict_nb.engine.persidict_bridge"
"""


def _run(code: str, *args: str, check: bool = True) -> str:
    """Run ``code`` (then ``_CHECK``) in a fresh interpreter, where a warning is an error."""
    script = textwrap.dedent(code) + (_CHECK if check else "")
    out = subprocess.run([sys.executable, "-W", "error", "-c", script, *args],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return out.stdout


@pytest.mark.parametrize("first", ["localdict_nb", "persidict", "persidict.persi_dict"])
def test_one_object_per_flag_whichever_package_comes_first(first: str) -> None:
    _run(f"import {first}\n")


def test_a_pickled_persidict_flag_loads_as_the_one_object() -> None:
    made = _run("import pickle, persidict; print(pickle.dumps(persidict.ITEM_NOT_AVAILABLE).hex())",
                check=False)
    _run("""
        import pickle, sys, localdict_nb
        assert pickle.loads(bytes.fromhex(sys.argv[1])) is localdict_nb.ITEM_NOT_AVAILABLE
        """, made.strip())


def test_reloads_neither_double_the_hook_nor_lose_the_registration() -> None:
    _run("""
        import importlib, sys
        import localdict_nb
        from localdict_nb.engine import persidict_bridge
        persidict_bridge.install()
        importlib.reload(persidict_bridge).install()
        waiting = [f for f in sys.meta_path if type(f).__module__ == persidict_bridge.__name__]
        assert len(waiting) == 1, sys.meta_path
        import persidict
        importlib.reload(persidict)
        assert isinstance(localdict_nb.LocalDict(), persidict.PersiDict)
        assert localdict_nb.ITEM_NOT_AVAILABLE is persidict.ITEM_NOT_AVAILABLE
        fresh = importlib.reload(persidict.persi_dict).PersiDict
        persidict_bridge.install()
        assert isinstance(localdict_nb.LocalDict(), fresh)
        """)


def test_persidict_installed_after_localdict_nb_is_joined_on_its_first_import() -> None:
    _run("""
        import sys
        import localdict_nb
        saved = sys.path[:]
        sys.path[:] = [p for p in sys.path if "site-packages" not in p]
        try:
            import persidict
        except ModuleNotFoundError:
            pass
        else:
            raise AssertionError("persidict was found")
        sys.path[:] = saved
        """)


def test_a_failing_persidict_import_leaves_the_hook_waiting(tmp_path: Path) -> None:
    broken = tmp_path / "persidict"
    broken.mkdir()
    (broken / "__init__.py").write_text("from .persi_dict import PersiDict\n")
    (broken / "persi_dict.py").write_text("import a_dependency_that_is_not_installed\n")
    _run("""
        import sys
        import localdict_nb
        sys.path.insert(0, sys.argv[1])
        try:
            import persidict
        except ModuleNotFoundError as exc:
            assert exc.name == "a_dependency_that_is_not_installed", exc
        else:
            raise AssertionError("the broken persidict imported")
        assert [f for f in sys.meta_path if type(f).__module__.startswith("localdict_nb")]
        sys.path.pop(0)
        for name in [m for m in sys.modules if m.partition(".")[0] == "persidict"]:
            del sys.modules[name]
        """, str(tmp_path))


def test_flags_that_do_not_fit_warn_and_never_break_the_import(tmp_path: Path) -> None:
    odd = tmp_path / "persidict"
    odd.mkdir()
    (odd / "__init__.py").write_text("from .persi_dict import PersiDict\n")
    (odd / "persi_dict.py").write_text(
        "from abc import ABC\nfrom . import jokers_and_status_flags\nclass PersiDict(ABC): pass\n")
    (odd / "jokers_and_status_flags.py").write_text(
        "from mixinforge import SingletonMixin\n"
        "class ItemNotAvailableFlag(SingletonMixin):\n    __slots__ = ('odd',)\n"
        "ITEM_NOT_AVAILABLE = ItemNotAvailableFlag()\n")
    out = _run("""
        import sys, warnings
        import localdict_nb
        sys.path.insert(0, sys.argv[1])
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            import persidict
        assert [str(w.message) for w in caught if w.category is RuntimeWarning], caught
        assert isinstance(localdict_nb.LocalDict(), persidict.PersiDict)
        theirs = persidict.jokers_and_status_flags.ITEM_NOT_AVAILABLE
        assert theirs is not localdict_nb.ITEM_NOT_AVAILABLE
        d = localdict_nb.LocalDict()
        print(d.get_item_if("a", condition=localdict_nb.ANY_ETAG,
                            expected_etag=localdict_nb.ITEM_NOT_AVAILABLE).new_value)
        """, str(tmp_path), check=False)
    assert out.strip() == "ITEM_NOT_AVAILABLE"
