"""Exceptions of the site build. The CLI alone turns them into messages and exit codes."""

from __future__ import annotations

from ..errors import PzBuildError


class SiteError(PzBuildError):
    """Raised when the site cannot be built: mkdocs failed, or the theme rendered a template
    page without the markers that product pages are made from."""


class OutputNotASite(PzBuildError):
    """Raised when the output folder exists, is not empty and holds no earlier pzbuild site:
    the build replaces its output as a whole and will not delete other files."""


class SealingUnavailable(PzBuildError):
    """Raised when a sealed build is asked for but no sealing stage is given."""
