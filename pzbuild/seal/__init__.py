"""Sealing: the built site encrypted for the readers of the access list.

``seal_site`` (build.py) turns a plain site folder into a sealed one; ``open_sealed``
(reader.py) opens it again in Python with a reader's private key; format.py holds the format
both share (standard library and ``cryptography`` only); web/ holds the login page and the
service worker that decrypt it in the browser. docs/sealing.md has the format and the threat
model.
"""

from __future__ import annotations

from .build import Reader, SealResult, seal_site
from .format import NotOnAccessList, SealError, Tampered, WrongKey
from .reader import SealedSite, open_sealed

__all__ = ["NotOnAccessList", "Reader", "SealError", "SealResult", "SealedSite", "Tampered",
           "WrongKey", "open_sealed", "seal_site"]
