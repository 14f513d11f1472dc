"""The strict YAML loader: locations, and refusals of what product.yaml must not contain."""

from __future__ import annotations

from pzbuild.yamlload import load_yaml_bytes


def codes(text: str | bytes) -> list[tuple[str, int | None]]:
    blob = text.encode() if isinstance(text, str) else text
    return [(p.code, p.location.line) for p in load_yaml_bytes(blob, "p.yaml").problems]


def test_positions_of_nested_values() -> None:
    loaded = load_yaml_bytes(b"name: x\nfiles:\n  - path: a.csv\n    role: main\n", "p.yaml")
    assert loaded.ok
    assert loaded.data == {"name": "x", "files": [{"path": "a.csv", "role": "main"}]}
    assert loaded.positions["/files/0/role"] == (4, 11)
    assert loaded.key_positions["/files"] == (2, 1)
    loc = loaded.locate("/files/0/missing")
    assert (loc.line, loc.col) == (3, 5)


def test_dates_stay_text_and_raw_kept() -> None:
    loaded = load_yaml_bytes(b"a: 2024-01-02\nv: 1.10\n", "p.yaml")
    assert loaded.data == {"a": "2024-01-02", "v": 1.1}
    assert loaded.raw["/v"] == "1.10"


def test_refusals() -> None:
    assert codes("a: 1\na: 2\n") == [("Y102", 2)]
    assert codes("a:\n\tb: 1\n") == [("Y103", 2)]
    assert codes(b"a: caf\xe9\n") == [("Y104", 1)]
    assert codes("a: &x 1\nb: *x\n") == [("Y105", 1)]
    assert codes("a: !!python/object:os.system 1\n") == [("Y105", 1)]
    assert codes("base: &b {x: 1}\nc:\n  <<: *b\n")[0][0] == "Y105"
    assert codes("- a\n- b\n") == [("Y107", 1)]
    assert codes("") == [("Y107", 1)]
    assert codes("a: [1, 2\n")[0][0] == "Y101"
    assert codes("? [a, b]\n: 1\n") == [("Y109", 1)]


def test_billion_laughs_refused_quickly() -> None:
    lol = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
    for i, name in enumerate("bcdefghij"):
        prev = "abcdefghij"[i]
        lol += f"{name}: &{name} [{', '.join(['*' + prev] * 9)}]\n"
    assert codes(lol)[0][0] == "Y105"


def test_bom_is_accepted() -> None:
    assert load_yaml_bytes("\ufeffa: 1\n".encode(), "p.yaml").data == {"a": 1}
