"""The checks of a product, one small unit each. Every check yields Problems, never raises.

A product check takes a :class:`ProductContext`; a catalog check takes every submission.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..config import Catalog
from ..model import Submission
from ..problems import Problem

if TYPE_CHECKING:
    from ..inspect.cache import InspectCache
    from .memo import ValidationMemo


@dataclass
class ProductContext:
    catalog: Catalog
    sub: Submission
    #: filled by the files check: the listed files that exist and stay inside the folder
    safe_files: dict[str, Any] = field(default_factory=dict)
    #: the inspection cache of the catalog, if any
    cache: InspectCache | None = None
    #: where table headers are remembered (None: always read them)
    memo: ValidationMemo | None = None

    def problem(self, code: str, message: str, pointer: str, *, key: bool = False) -> Problem:
        return Problem(code, message, self.sub.meta.locate(pointer, key=key), self.sub.id)


ProductCheck = Callable[[ProductContext], Iterator[Problem]]


def product_checks() -> list[ProductCheck]:
    """The product checks, in the order they run (files before columns)."""
    from . import access, columns, files, metadata, schema

    return [
        schema.check_schema,
        metadata.check_type_and_release,
        access.check_release_groups,
        metadata.check_licence,
        metadata.check_orcids,
        metadata.check_placeholders,
        files.check_files,
        files.check_unlisted,
        files.check_config_file,
        columns.check_columns,
    ]
