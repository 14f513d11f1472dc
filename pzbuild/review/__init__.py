"""The review of a pull request: what it changes, whether the result is valid, and what
needs a maintainer's approval (``pzbuild review``)."""

from .collect import Review, Side, review
from .diff import FieldChange, FileChange, ProductChange
from .flags import Flag
from .report import to_json, to_markdown

__all__ = ["FieldChange", "FileChange", "Flag", "ProductChange", "Review", "Side", "review",
           "to_json", "to_markdown"]
