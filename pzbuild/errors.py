"""Exceptions of the library. The CLI alone turns them into exit codes and messages."""

from __future__ import annotations


class PzBuildError(Exception):
    """Base class of every error the library raises on purpose."""


class CatalogNotFound(PzBuildError):
    """Raised when no catalog root (a folder with catalog.yaml or products/) is found."""


class ConfigError(PzBuildError):
    """Raised when catalog.yaml or schema/vocabulary.yaml cannot be used at all."""


class TableError(PzBuildError):
    """Raised by a table reader when a file cannot be read as a table.

    ``code`` is one of the T6xx codes of :mod:`pzbuild.problems`.
    """

    def __init__(self, message: str, code: str = "T601") -> None:
        super().__init__(message)
        self.code = code


class ScaffoldError(PzBuildError):
    """Raised when ``pzbuild new`` cannot create a product folder."""
