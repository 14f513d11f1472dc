"""A copy of the example catalog with products restricted to a group, sealed for two readers:
``member`` (in the group) and ``outsider`` (in none). Used by the tests of groups, of leaks
and by the browser test.

One product is restricted by its own ``access.groups``; another by its release, which the
copy's vocabulary restricts to the same group.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .conftest import copy_example_catalog

GROUP = "desi"
BY_ACCESS = "user/asmith/synth-specz-wide"   # access: {groups: [desi]}
BY_RELEASE = "user/asmith/synth-objects-wide"  # release dp0.2, restricted to desi
RESTRICTED_RELEASE = "dp0.2"
RESTRICTED = (BY_ACCESS, BY_RELEASE)


@dataclass(frozen=True)
class RestrictedExample:
    root: Path  # the catalog
    plain: Path  # its plain site (everything in clear)
    site: Path  # its sealed site
    member: Path  # private key files
    outsider: Path
    seal: Any  # the SealResult


def restrict(root: Path) -> None:
    """Restrict the two products of the copy at ``root``."""
    path = root / "products" / BY_ACCESS / "product.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.rstrip("\n") + f"\naccess:\n  groups: [{GROUP}]\n", encoding="utf-8")
    meta = yaml.safe_load((root / "products" / BY_RELEASE / "product.yaml").read_text())
    assert meta["release"] == RESTRICTED_RELEASE
    vocab = root / "schema" / "vocabulary.yaml"
    data = yaml.safe_load(vocab.read_text(encoding="utf-8"))
    data["releases"][RESTRICTED_RELEASE]["groups"] = [GROUP]
    vocab.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")


def build_restricted_example(base: Path) -> RestrictedExample:
    """Copy, restrict, add the two readers to access/users.yaml, build plain and sealed."""
    from pzbuild.access import add_user, generate_key, users_path
    from pzbuild.config import load_catalog
    from pzbuild.publish import publish

    root = copy_example_catalog(base / "catalog")
    restrict(root)
    member = generate_key(base / "keys" / "member.pem")
    outsider = generate_key(base / "keys" / "outsider.pem")
    users = users_path(root)
    add_user(users, "member", member.public_key, groups=[GROUP])
    add_user(users, "outsider", outsider.public_key)
    plain = publish(load_catalog(root), base / "plain", plain=True, jobs=1)
    assert plain.build.ok, [p.format() for p in plain.build.problems]
    sealed = publish(load_catalog(root), base / "site", plain=False, jobs=1)
    assert sealed.build.ok and sealed.seal is not None
    ids = {e["id"] for e in json.loads((base / "plain" / "catalog.json").read_text())["products"]}
    assert set(RESTRICTED) <= ids
    return RestrictedExample(root, base / "plain", base / "site", member.path, outsider.path,
                             sealed.seal)
