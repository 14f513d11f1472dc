"""Docs cannot drift: generated reference pages match the code, every command has help."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import click
import yaml

from pzbuild.cli import main
from pzbuild.problems import CODES

REPO = Path(__file__).resolve().parents[1]


def _gen_docs():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("gen_docs", REPO / "scripts" / "gen_docs.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_generated_pages_are_current() -> None:
    for path, text in _gen_docs().pages().items():
        assert path.read_text(encoding="utf-8") == text, f"run python scripts/gen_docs.py ({path})"


def test_every_command_has_help() -> None:
    assert isinstance(main, click.Group)
    for name, cmd in main.commands.items():
        assert cmd.help and len(cmd.help) > 20, name
        for param in cmd.params:
            if isinstance(param, click.Option):
                assert param.help, f"{name} {param.name}"


def test_every_problem_code_is_exercised_by_the_bad_input_collection() -> None:
    manifest = yaml.safe_load((REPO / "tests" / "bad" / "manifest.yaml").read_text())
    used = {e["code"] for case in manifest["cases"].values() for e in case["expect"]}
    # Codes whose inputs cannot be a product folder are tested in their own modules:
    elsewhere = {"C701": "test_cli.py", "L306": "test_cli.py", "T605": "test_inspect.py",
                 "S299": "test_cli.py",
                 # a restricted release (vocabulary.yaml) and the readers' groups
                 # (access/users.yaml) are not product folders
                 "R416": "test_groups.py", "R417": "test_groups.py",
                 # the access list is not a product: test_access.py hits every A code
                 **{c: "test_access.py" for c in CODES if c.startswith("A")},
                 # maintainers and CODEOWNERS: test_codeowners.py and test_review.py
                 **{c: "test_codeowners.py" for c in CODES if c.startswith("G")}}
    missing = set(CODES) - used - set(elsewhere)
    assert not missing, f"codes without a bad-input case: {sorted(missing)}"
