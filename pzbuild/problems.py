"""Problems found in a catalog, as data: a stable code, a message and a location.

Every check yields :class:`Problem` objects instead of raising, so that a caller sees every
problem at once and decides the exit code itself. The codes are listed once, in
:data:`CODES`; ``docs/codes.md`` is generated from it and a test keeps the two in step.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from enum import Enum
from typing import Any


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"


#: code -> (severity, one-line meaning). Codes never change meaning once released.
CODES: dict[str, tuple[Severity, str]] = {
    # Y: reading product.yaml
    "Y101": (Severity.ERROR, "product.yaml is not valid YAML"),
    "Y102": (Severity.ERROR, "a mapping has the same key twice"),
    "Y103": (Severity.ERROR, "a tab character is used for indentation"),
    "Y104": (Severity.ERROR, "the file is not UTF-8 text"),
    "Y105": (Severity.ERROR, "anchors, aliases and tags are not allowed"),
    "Y106": (Severity.ERROR, "the file is larger than product.yaml may be"),
    "Y107": (Severity.ERROR, "the document is empty or not a mapping"),
    "Y108": (Severity.ERROR, "a product folder has no product.yaml"),
    "Y109": (Severity.ERROR, "a mapping key is not a plain string"),
    # S: JSON Schema
    "S201": (Severity.ERROR, "a required field is missing"),
    "S202": (Severity.ERROR, "a field has the wrong type"),
    "S203": (Severity.ERROR, "a field is not part of the schema"),
    "S204": (Severity.ERROR, "a value is not one of those allowed or has the wrong form"),
    "S205": (Severity.ERROR, "a list or text is too short or too long"),
    "S299": (Severity.ERROR, "another schema violation"),
    # L: layout of the catalog
    "L301": (Severity.ERROR, "a product folder is not at products/official/<slug> or "
             "products/user/<owner>/<slug>"),
    "L302": (Severity.ERROR, "a slug or owner handle has the wrong form"),
    "L303": (Severity.ERROR, "two products have the same id (ignoring case)"),
    "L304": (Severity.ERROR, "a product folder lies inside another product folder"),
    "L305": (Severity.WARNING, "two products of a section have the same name"),
    "L306": (Severity.ERROR, "a path given on the command line is not in the catalog"),
    # R: catalog rules on the metadata
    "R401": (Severity.ERROR, "the product type is not in the vocabulary"),
    "R402": (Severity.ERROR, "the release is not in the vocabulary"),
    "R403": (Severity.ERROR, "this product type may not have a release"),
    "R404": (Severity.ERROR, "pz_code is not allowed for this product type"),
    "R405": (Severity.ERROR, "a column role required by the product type is missing"),
    "R406": (Severity.ERROR, "a column role names a column that the main file does not have"),
    "R407": (Severity.ERROR, "there is not exactly one main file"),
    "R408": (Severity.ERROR, "the licence is not an SPDX licence identifier or expression"),
    "R409": (Severity.ERROR, "an ORCID iD has a wrong check digit"),
    "R410": (Severity.ERROR, "derived_from names a product that is not in the catalog"),
    "R411": (Severity.ERROR, "derived_from makes a cycle"),
    "R412": (Severity.ERROR, "provenance.config is not a file of this product"),
    "R413": (Severity.ERROR, "a value still holds a placeholder left by `pzbuild new`"),
    "R414": (Severity.ERROR, "the product type needs a tabular main file"),
    "R415": (Severity.ERROR, "a column is given two roles"),
    "R416": (Severity.ERROR, "access.groups names a group its restricted release is not open "
             "to"),
    "R417": (Severity.WARNING, "no reader of the access list is in a group the product is "
             "open to"),
    "R418": (Severity.ERROR, "derived_from links products open to different groups: one's "
             "name would show to readers of the other"),
    "R419": (Severity.ERROR, "provenance.promoted_from names a product that is in the "
             "catalog"),
    "R420": (Severity.ERROR, "two products were promoted from the same id"),
    # F: files of a product
    "F501": (Severity.ERROR, "a listed file does not exist"),
    "F502": (Severity.ERROR, "a file path leaves the product folder"),
    "F503": (Severity.ERROR, "a symbolic link points outside the product folder"),
    "F504": (Severity.ERROR, "a file is larger than the catalog allows"),
    "F505": (Severity.ERROR, "the product is larger than the catalog allows"),
    "F506": (Severity.ERROR, "a file is listed twice"),
    "F507": (Severity.WARNING, "a file in the product folder is not listed in product.yaml"),
    "F508": (Severity.ERROR, "a listed path is a folder, not a file"),
    # T: reading tables
    "T601": (Severity.ERROR, "the main file cannot be read as a table"),
    "T602": (Severity.ERROR, "a text table's header names fewer columns than its rows hold"),
    "T603": (Severity.ERROR, "the table (HDU, group or key) named by `table` is not in the file"),
    "T604": (Severity.ERROR, "the file holds several tables and `table` does not pick one"),
    "T605": (Severity.WARNING, "a column is entirely missing"),
    "T606": (Severity.WARNING, "the file's extension does not match its content"),
    # C: catalog configuration
    "C701": (Severity.ERROR, "catalog.yaml or the vocabulary is invalid"),
    # A: the access list, access/users.yaml
    "A801": (Severity.ERROR, "access/users.yaml cannot be read as strict YAML"),
    "A802": (Severity.ERROR, "the access list is not a mapping with a `users` list of entries"),
    "A803": (Severity.ERROR, "a field is not part of the access list"),
    "A804": (Severity.ERROR, "a required field is missing or a field has the wrong type"),
    "A805": (Severity.ERROR, "a handle or group name has the wrong form"),
    "A806": (Severity.ERROR, "two readers have the same handle"),
    "A807": (Severity.ERROR, "a public key is not a P-256 public key in an accepted form"),
    "A808": (Severity.ERROR, "a private key is written in the access list: it is exposed"),
    "A809": (Severity.ERROR, "two readers have the same public key"),
    "A810": (Severity.ERROR, "expires is not a date YYYY-MM-DD"),
    "A811": (Severity.WARNING, "a reader's access has expired: the build leaves them out"),
    "A812": (Severity.WARNING, "no current reader: nobody can open the sealed site"),
    # G: maintainers, CODEOWNERS and the review of a pull request
    "G901": (Severity.ERROR, "catalog.yaml lists no maintainers"),
    "G902": (Severity.ERROR, "a maintainer has no handle"),
    "G903": (Severity.ERROR, "a maintainer's handle is not a valid GitHub handle"),
    "G904": (Severity.WARNING, "a maintainer is listed twice"),
    "G905": (Severity.ERROR, ".github/CODEOWNERS is missing"),
    "G906": (Severity.ERROR, ".github/CODEOWNERS does not match the maintainers of "
             "catalog.yaml"),
}


@dataclass(frozen=True)
class Location:
    """Where a problem is: a file (relative to the catalog root), a line and column (1-based)
    and, for metadata, a JSON pointer into product.yaml."""

    path: str
    line: int | None = None
    col: int | None = None
    pointer: str | None = None


@dataclass(frozen=True)
class Problem:
    code: str
    message: str
    location: Location
    product: str | None = None
    severity: Severity = field(default=Severity.ERROR)

    def __post_init__(self) -> None:
        if self.code not in CODES:
            raise KeyError(f"unknown problem code {self.code}")
        # The severity of a code is fixed in CODES; callers never pass it.
        object.__setattr__(self, "severity", CODES[self.code][0])

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def format(self) -> str:
        loc = self.location
        where = loc.path
        if loc.line is not None:
            where += f":{loc.line}:{loc.col or 1}"
        tag = "" if self.is_error else " (warning)"
        return f"{where}: {self.code}{tag} {self.message}"

    def to_dict(self) -> dict[str, object]:
        d = asdict(self)
        d["severity"] = self.severity.value
        return d

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Problem:
        return cls(str(data["code"]), str(data["message"]), Location(**data["location"]),
                   data.get("product"))


def sort_problems(problems: Iterable[Problem]) -> list[Problem]:
    def key(p: Problem) -> tuple[str, int, int, str]:
        return (p.location.path, p.location.line or 0, p.location.col or 0, p.code)

    return sorted(set(problems), key=key)


def codes_markdown() -> str:
    """The table of problem codes, as published in docs/codes.md."""
    lines = [
        "# Problem codes",
        "",
        "Generated from `pzbuild/problems.py` (`pzbuild codes`); do not edit by hand.",
        "",
        "| code | severity | meaning |",
        "|---|---|---|",
    ]
    for code, (sev, meaning) in CODES.items():
        lines.append(f"| {code} | {sev.value} | {meaning} |")
    return "\n".join(lines) + "\n"
