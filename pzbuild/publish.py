"""Build the site and, unless it is a plain preview, seal it for the readers of the access
list: the one function behind `pzbuild build` and `pzbuild serve`."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .config import Catalog
from .errors import PzBuildError
from .model import Product, access_groups, promoted_from_id

if TYPE_CHECKING:
    from .seal.build import Reader, SealResult
    from .site.build import BuildResult, Progress

DEMO_KEY = Path(".pzbuild-cache") / "demo" / "reader.pem"
#: The keys and data blobs a sealed build keeps for the next (pzbuild.seal.keep).
SEAL_KEEP = Path(".pzbuild-cache") / "seal"


class NoReaders(PzBuildError):
    """Raised when a sealed build would have no reader at all: nobody could open it."""


@dataclass
class Published:
    build: BuildResult
    seal: SealResult | None = None


def publish(catalog: Catalog, out: Path, *, plain: bool = False, jobs: int | None = None,
            progress: Progress | None = None, extra_readers: Sequence[Reader] = ()
            ) -> Published:
    """Build the site into ``out``; sealed for the access list (plus ``extra_readers``, which
    are never written to it) unless ``plain``. Raises PzBuildError subclasses."""
    from .site.build import build_site

    if plain:
        return Published(build_site(catalog, out, plain=True, jobs=jobs, progress=progress))
    from .access import readers_for_build
    from .seal import seal_site

    readers = [*readers_for_build(catalog.root), *extra_readers]
    if not readers:
        raise NoReaders("access/users.yaml lists no current reader, so nobody could open a "
                        "sealed site: add one with `pzbuild access add`, or build an "
                        "unprotected preview with --plain")
    box: dict[str, SealResult] = {}

    def seal(plain_dir: Path, products: list[Product]) -> None:
        groups_of = site_groups(products, catalog.vocabulary.release_groups)
        box["seal"] = seal_site(plain_dir, out, readers, groups_of=groups_of,
                                title=catalog.title, keep=catalog.root / SEAL_KEEP)

    result = build_site(catalog, out, plain=False, jobs=jobs, progress=progress, seal=seal)
    return Published(result, box.get("seal"))


def site_groups(products: Sequence[Product], release_groups: Mapping[str, frozenset[str]]
                ) -> Callable[[str], frozenset[str] | None] | None:
    """``groups_of(site path)`` for :func:`~pzbuild.seal.seal_site`: everything below
    ``products/<id>/`` of a restricted product (its page, record, SHA256SUMS, data files and
    whatever else the site puts there; also below the old id of a promoted product, where
    its redirect and a copy of its record live) opens only to the readers of its groups.
    None when no product is restricted."""
    restricted: dict[str, frozenset[str]] = {}
    for p in products:
        groups = access_groups(p.meta, release_groups)
        if groups is None:
            continue
        restricted[p.id] = groups
        old = promoted_from_id(p.meta)
        if old is not None:
            restricted.setdefault(old, groups)
    if not restricted:
        return None

    def groups_of(path: str) -> frozenset[str] | None:
        parts = path.split("/")
        if parts[0] != "products":
            return None
        # products/official/<slug>/... or products/user/<owner>/<slug>/...
        for end in (3, 4):
            found = restricted.get("/".join(parts[1:end]))
            if found is not None and len(parts) > end:
                return found
        return None

    return groups_of


def demo_reader(catalog: Catalog) -> tuple[Reader, Path]:
    """A reader key for trying the sealed site locally, made once and kept in the cache
    (ignored by git); it is added to the build, never to access/users.yaml."""
    from .access import generate_key
    from .seal.build import Reader
    from .seal.format import canonical_public_key, load_private_key

    path = catalog.root / DEMO_KEY
    if not path.exists():
        return Reader("demo-reader", generate_key(path, allow_in_catalog=True).public_key), path
    public = canonical_public_key(load_private_key(path.read_bytes()).public_key())
    return Reader("demo-reader", public), path
