import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def _section(title: str) -> str:
    text = README.read_text()
    start = text.index(f"## {title}")
    end = text.find("\n## ", start + 1)
    return text[start:end]


def test_the_short_example_runs_and_its_comments_are_true() -> None:
    block = re.search(r"```python\n(.*?)```", _section("A short example"), re.S)
    assert block is not None
    namespace: dict[str, object] = {}
    exec(compile(block.group(1), "README example", "exec"), namespace)  # noqa: S102 - the README example itself
    d = namespace["d"]
    assert d["user_7", "profile"] == {"name": "Ada"}  # type: ignore[index]  # namespace values are Any
    assert d["counters", "hits"] == 1  # type: ignore[index]  # namespace values are Any
    assert sorted(tuple(k) for k in namespace["user"].keys()) == [  # type: ignore[attr-defined]  # namespace values are Any
        ("profile",), ("session_3", "item_42")]


def test_the_readme_names_the_two_commands_that_exist() -> None:
    makefile = (README.parent / "Makefile").read_text()
    for target in ("demo", "test"):
        assert f"make {target}" in _section("Two commands")
        assert re.search(rf"^{target}:", makefile, re.M)
    assert "make test" in (README.parent / ".ci" / "run").read_text()
