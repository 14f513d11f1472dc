"""Regenerate the reference pages that must not drift from the code.

    python scripts/gen_docs.py          write docs/codes.md and docs/cli-reference.md
    python scripts/gen_docs.py --check  exit 1 if either is out of date
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from pzbuild.cli import main
from pzbuild.problems import codes_markdown

DOCS = Path(__file__).resolve().parents[1] / "docs"


def cli_reference() -> str:
    out = ["# Command-line reference", "",
           "Generated from `pzbuild --help` by `scripts/gen_docs.py`; do not edit by hand.", ""]
    ctx = click.Context(main, info_name="pzbuild", terminal_width=100, max_content_width=100,
                        **main.context_settings)
    out += ["```", main.get_help(ctx), "```", ""]
    assert isinstance(main, click.Group)
    for name in sorted(main.commands):
        cmd = main.commands[name]
        sub = click.Context(cmd, info_name=f"pzbuild {name}", parent=ctx,
                            terminal_width=100, max_content_width=100)
        out += [f"## pzbuild {name}", "", "```", cmd.get_help(sub), "```", ""]
    return "\n".join(out)


def pages() -> dict[Path, str]:
    return {DOCS / "codes.md": codes_markdown(), DOCS / "cli-reference.md": cli_reference()}


if __name__ == "__main__":
    stale = [p for p, text in pages().items()
             if not p.exists() or p.read_text(encoding="utf-8") != text]
    if "--check" in sys.argv:
        for p in stale:
            print(f"{p} is out of date: run python scripts/gen_docs.py")
        sys.exit(1 if stale else 0)
    for p, text in pages().items():
        p.write_text(text, encoding="utf-8")
        print(f"wrote {p}")
