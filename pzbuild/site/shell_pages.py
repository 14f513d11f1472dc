"""The pages of the shell that the build generates: product types and the two list pages."""

from __future__ import annotations

import html
from pathlib import Path

from ..config import Vocabulary

LIST_TEMPLATE = "list.md.j2"
LIST_PAGES = {
    "official": ("Official products",
                 "Products of the **PZ Coordination Group**, reviewed by the catalog's "
                 "maintainers before they are published."),
    "user": ("User products",
             "Products shared by Rubin Science Platform users. They are visible to all "
             "authorised users **without scientific validation**: check their description "
             "and provenance before you rely on them."),
}


def list_page_markdown(section: str, templates: Path) -> str:
    """``<section>/index.md``: from site_templates/list.md.j2 when it is there, else a plain
    page holding the list's mount point."""
    title, intro = LIST_PAGES[section]
    context = {"section": section, "title": title, "intro": intro,
               "catalog_url": "../catalog.json", "site_root": "../"}
    if (templates / LIST_TEMPLATE).is_file():
        import jinja2

        env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(templates)),
                                 undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
        return env.get_template(LIST_TEMPLATE).render(**context)
    return (f"---\nhide:\n  - toc\n---\n\n# {title}\n\n{intro}\n\n"
            f'<div class="pz-list" data-section="{section}" data-catalog="../catalog.json" '
            f'data-site-root="../"></div>\n')


def product_types_markdown(vocabulary: Vocabulary) -> str:
    """product-types.md: the types, releases and column roles of schema/vocabulary.yaml."""
    lines = [
        "# Product types", "",
        "Every product has a type (`type:` in `product.yaml`), and most types may name the "
        "LSST data release they belong to (`release:`). A tabular type needs a main file "
        "that reads as a table, with the column roles it requires named under `columns:`. "
        "These lists are the catalog's own (`schema/vocabulary.yaml`): maintainers extend "
        "them by pull request.", "", "## Types", "",
        "| Type | `type` | Main file | Required column roles | Release | `pz_code` |",
        "|---|---|---|---|---|---|",
    ]
    for name, t in vocabulary.product_types.items():
        roles = ", ".join(_code(r) for r in t.required_roles) or "none"
        lines.append(f"| {_cell(t.display_name)} | {_code(name)} | "
                     f"{'tabular' if t.tabular else 'any'} | {roles} | "
                     f"{'allowed' if t.release else 'none'} | "
                     f"{'allowed' if t.pz_code else 'no'} |")
    lines += ["", "<dl>"]
    for name, t in vocabulary.product_types.items():
        lines.append(f"<dt>{html.escape(t.display_name)} (<code>{html.escape(name)}</code>)"
                     f"</dt><dd>{html.escape(t.description)}</dd>")
    lines += ["</dl>", "", "## Releases", "",
              "| `release` | Name |", "|---|---|"]
    lines += [f"| {_code(k)} | {_cell(v)} |" for k, v in vocabulary.releases.items()]
    lines += ["", "## Column roles", "",
              "The columns of a tabular main file that the catalog knows the meaning of, with "
              "their [IVOA UCD](https://www.ivoa.net/documents/UCD1+/). Roles are given in "
              "`product.yaml` as `columns: {role: column name}`.", "",
              "| Role | UCD | Meaning |", "|---|---|---|"]
    lines += [f"| {_code(k)} | {_code(v['ucd'])} | {_cell(v.get('description', ''))} |"
              for k, v in vocabulary.column_roles.items()]
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    """Text for a Markdown table cell: no markup, no column break."""
    return (html.escape(str(text)).replace("|", "&#124;").replace("`", "&#96;")
            .replace("*", "&#42;").replace("_", "&#95;").replace("\n", " "))


def _code(text: str) -> str:
    return f"<code>{_cell(text)}</code>"
