"""Write product folders: data files plus a product.yaml that follows the catalog's contract.

Shared by ``scripts/make_examples.py`` (the example catalog) and ``bench/make_catalog.py``
(large synthetic catalogs).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import yaml

from .. import __version__

#: how the generated products credit their origin
SOFTWARE = {"name": "pzbuild.synth", "version": __version__}
AUTHORS = [
    {"name": "The pzbuild developers", "affiliation": "pzbuild project"},
    # ORCID's own documented test record; a valid iD that belongs to no real person
    {"name": "Josiah Carberry", "orcid": "0000-0002-1825-0097",
     "affiliation": "Fictional test author (ORCID's example record)"},
]
LICENSE = "CC-BY-4.0"
#: the order of fields in a written product.yaml, as in the contract
FIELD_ORDER = ("name", "type", "release", "pz_code", "description", "authors", "contact",
               "license", "tags", "files", "columns", "null_values", "table", "provenance",
               "citation")


class Flow(list[Any]):
    """A list written in flow style: [a, b, c]."""


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True  # the catalog's loader refuses anchors and aliases

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)  # "  - item" under a key, as the contract shows


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


def _flow(dumper: yaml.SafeDumper, value: Flow) -> yaml.Node:
    return dumper.represent_sequence("tag:yaml.org,2002:seq", list(value), flow_style=True)


_Dumper.add_representer(str, _str)
_Dumper.add_representer(Flow, _flow)


def dump_product_yaml(meta: dict[str, Any]) -> str:
    """product.yaml text: fields in the contract's order, short lists inline."""
    ordered = {k: meta[k] for k in FIELD_ORDER if k in meta}
    ordered.update({k: v for k, v in meta.items() if k not in ordered})
    for key in ("tags", "null_values"):
        if isinstance(ordered.get(key), list):
            ordered[key] = Flow(ordered[key])
    prov = ordered.get("provenance")
    if isinstance(prov, dict) and isinstance(prov.get("derived_from"), list):
        ordered["provenance"] = {**prov, "derived_from": Flow(prov["derived_from"])}
    return yaml.dump(ordered, Dumper=_Dumper, sort_keys=False, allow_unicode=True,
                     width=96, default_flow_style=False)


def base_meta(name: str, ptype: str, description: str, **fields: Any) -> dict[str, Any]:
    """Metadata with the fields every generated product shares filled in."""
    meta: dict[str, Any] = {"name": name, "type": ptype, "release": None,
                            "description": description, "authors": AUTHORS,
                            "license": LICENSE}
    meta.update(fields)
    if ptype == "redshift_catalog":
        meta["release"] = None
    return meta


def file_entry(path: str, role: str = "auxiliary", description: str | None = None
               ) -> dict[str, str]:
    entry = {"path": path, "role": role}
    if description:
        entry["description"] = description
    return entry


def write_product(folder: Path, meta: dict[str, Any], texts: dict[str, str] | None = None
                  ) -> int:
    """Write product.yaml and the text files ``texts`` (path -> content) into ``folder``,
    where the data files already are; return the total size of the folder in bytes."""
    folder.mkdir(parents=True, exist_ok=True)
    for rel, content in (texts or {}).items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text(content, encoding="utf-8")
    (folder / "product.yaml").write_text(dump_product_yaml(meta), encoding="utf-8")
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def new_catalog_root(dest: Path, template: Path) -> Path:
    """An empty catalog at ``dest``: the schema/ and catalog.yaml of ``template``."""
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copytree(template / "schema", dest / "schema", dirs_exist_ok=True)
    shutil.copy(template / "catalog.yaml", dest / "catalog.yaml")
    for section in ("official", "user"):
        (dest / "products" / section).mkdir(parents=True, exist_ok=True)
    return dest
