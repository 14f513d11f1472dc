"""Checks of product.yaml fields against the vocabulary and standard identifiers."""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from ..problems import Problem
from . import ProductContext

PLACEHOLDER = "TODO"


def check_type_and_release(ctx: ProductContext) -> Iterator[Problem]:
    data = ctx.sub.data
    vocab = ctx.catalog.vocabulary
    ptype = data.get("type")
    spec = vocab.product_types.get(ptype) if isinstance(ptype, str) else None
    if isinstance(ptype, str) and spec is None and not ptype.startswith(PLACEHOLDER):
        yield ctx.problem("R401", f"type: '{ptype}' is not a product type"
                          f"{_did_you_mean(ptype, vocab.product_types)}; one of: "
                          f"{', '.join(vocab.product_types)}", "/type")
    release = data.get("release")
    if isinstance(release, str) and release not in vocab.releases:
        yield ctx.problem("R402", f"release: '{release}' is not a release of the catalog"
                          f"{_did_you_mean(release, vocab.releases)}; one of: "
                          f"{', '.join(vocab.releases)} or null", "/release")
    if spec is None:
        return
    if release is not None and not spec.release:
        yield ctx.problem("R403", f"release: a {spec.name} has no release; write "
                          "'release: null' or remove the field", "/release")
    if data.get("pz_code") is not None and not spec.pz_code:
        allowed = [t.name for t in vocab.product_types.values() if t.pz_code]
        yield ctx.problem("R404", f"pz_code: only {' and '.join(allowed)} products name a "
                          f"photo-z code, not a {spec.name}", "/pz_code")


def check_licence(ctx: ProductContext) -> Iterator[Problem]:
    lic = ctx.sub.data.get("license")
    if not isinstance(lic, str) or not lic.strip() or lic.startswith(PLACEHOLDER):
        return
    errors = _licence_errors(lic)
    if errors:
        yield ctx.problem("R408", f"license: '{lic}' is not an SPDX licence identifier or "
                          f"expression ({'; '.join(errors)}); e.g. CC-BY-4.0, MIT",
                          "/license")


@lru_cache(maxsize=1024)
def _licence_errors(expression: str) -> tuple[str, ...]:
    """Why an SPDX expression is not valid (nothing when it is); a catalog uses a few
    licences many times over, so each is parsed once."""
    return tuple(_spdx().validate(expression).errors)


@lru_cache(maxsize=1)
def _spdx() -> Any:
    from license_expression import get_spdx_licensing

    return get_spdx_licensing()


def orcid_checksum_ok(orcid: str) -> bool:
    """ISO 7064 MOD 11-2, the check digit of an ORCID iD."""
    digits = orcid.replace("-", "")
    if len(digits) != 16 or not digits[:15].isdigit():
        return False
    total = 0
    for ch in digits[:15]:
        total = (total + int(ch)) * 2
    check = (12 - total % 11) % 11
    return digits[15] == ("X" if check == 10 else str(check))


def check_orcids(ctx: ProductContext) -> Iterator[Problem]:
    authors = ctx.sub.data.get("authors")
    if not isinstance(authors, list):
        return
    for i, author in enumerate(authors):
        orcid = author.get("orcid") if isinstance(author, dict) else None
        if isinstance(orcid, str) and len(orcid) == 19 and not orcid_checksum_ok(orcid):
            yield ctx.problem("R409", f"authors.{i}.orcid: {orcid} fails the ORCID check "
                              "digit; copy the iD from orcid.org", f"/authors/{i}/orcid")


def check_placeholders(ctx: ProductContext) -> Iterator[Problem]:
    """Values that `pzbuild new` could not guess are written as 'TODO...' strings."""
    def walk(value: Any, pointer: str) -> Iterator[Problem]:
        if isinstance(value, dict):
            for k, v in value.items():
                yield from walk(v, f"{pointer}/{k}")
        elif isinstance(value, list):
            for i, v in enumerate(value):
                yield from walk(v, f"{pointer}/{i}")
        elif isinstance(value, str) and value.strip().upper().startswith(PLACEHOLDER):
            field = pointer.lstrip("/").replace("/", ".")
            yield ctx.problem("R413", f"{field}: still a placeholder ({value.strip()[:60]!r}); "
                              "fill it in", pointer)

    yield from walk(ctx.sub.data, "")


def _did_you_mean(word: str, choices: Any) -> str:
    hint = difflib.get_close_matches(word, list(choices), n=1)
    return f" (did you mean '{hint[0]}'?)" if hint else ""
