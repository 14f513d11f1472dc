"""The tutorial notebook docs/notebooks/intro.ipynb, executed end to end against the
repository's example catalog, built and sealed into a temporary folder for a reader key made
on the spot and served over HTTP on loopback.

The notebook reads PZ_SITE and PZ_KEY, so it runs here unchanged. The kernel is the
interpreter running the tests (a kernelspec of our own, first on JUPYTER_PATH), with IPython's
and Jupyter's folders in the temporary folder: no user profile or kernel can interfere.
"""

from __future__ import annotations

import http.server
import json
import os
import shutil
import sys
import threading
import time
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any, NoReturn

import pytest

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK = REPO / "docs" / "notebooks" / "intro.ipynb"
#: What a build needs of the repository: the example catalog and the site sources.
CATALOG_PARTS = ["products", "schema", "access", "docs/site", "site_templates", "mkdocs.yml",
                 "catalog.yaml"]
SPECZ = "official/synth-specz-ecdfs"
TRAINING = "official/synth-training-ecdfs-dp1"
#: The inline backend draws with Agg and sends PNGs to the notebook: headless, and its
#: figures are outputs the test can see (plain Agg would show nothing).
MPL_INLINE = "module://matplotlib_inline.backend_inline"


def _missing(what: str) -> NoReturn:
    """Skip when a part the test needs is not there yet, except in CI, where it must run."""
    if os.environ.get("CI"):
        pytest.fail(f"{what} is missing in CI")
    pytest.skip(f"{what} is not available yet")


def _copy_catalog(dest: Path) -> Path:
    if not any((REPO / "products").rglob("product.yaml")):
        _missing("the example catalog (products/)")
    for rel in CATALOG_PARTS:
        src = REPO / rel
        if src.is_dir():
            shutil.copytree(src, dest / rel, ignore=shutil.ignore_patterns("__pycache__"))
        elif src.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(src, dest / rel)
    return dest


def _sealed_site(tmp: Path) -> tuple[Path, Path]:
    """The example catalog built and sealed into ``tmp/site`` for a new reader key: (site
    folder, private key file)."""
    try:
        from pzbuild.access import generate_key
        from pzbuild.config import load_catalog
        from pzbuild.publish import publish
        from pzbuild.seal import Reader
    except ImportError as exc:
        _missing(f"the site build or the seal ({exc})")
    root = _copy_catalog(tmp / "catalog")
    key = generate_key(tmp / "keys" / "reader.pem")
    published = publish(load_catalog(root), tmp / "site", plain=False, jobs=1,
                        extra_readers=[Reader("notebook-reader", key.public_key)])
    assert published.build.ok, [p.format() for p in published.build.problems]
    assert published.seal is not None and "notebook-reader" in published.seal.readers
    assert (tmp / "site" / "keystore.json").is_file()
    assert not (tmp / "site" / "catalog.json").exists()  # sealed: nothing in clear
    return tmp / "site", key.path


@pytest.fixture
def tools() -> tuple[Any, Any, Any]:
    """(nbformat, NotebookClient, traitlets Config), checked before the site is built."""
    try:
        import ipykernel.kernelspec  # noqa: F401  (the kernel)
        import nbformat
        from nbclient import NotebookClient
        from traitlets.config import Config
    except ImportError as exc:
        _missing(f"nbclient/nbformat/ipykernel ({exc})")
    return nbformat, NotebookClient, Config


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """(URL of the sealed example site on loopback, the reader's key file)."""
    site, key = _sealed_site(tmp_path)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                             partial(_Quiet, directory=str(site)))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", key
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


def _kernel_env(tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A ``python3`` kernelspec running this interpreter, first on JUPYTER_PATH; IPython and
    Jupyter folders of their own."""
    from ipykernel.kernelspec import get_kernel_dict  # argv[0] is sys.executable

    spec = tmp / "jupyter" / "kernels" / "python3"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps(get_kernel_dict()), encoding="utf-8")
    monkeypatch.setenv("JUPYTER_PATH", str(tmp / "jupyter"))
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp / "jupyter-runtime"))
    monkeypatch.setenv("IPYTHONDIR", str(tmp / "ipython"))
    monkeypatch.setenv("MPLBACKEND", MPL_INLINE)


def _text(cell: Any) -> str:
    """Everything a code cell printed or displayed as text."""
    parts = []
    for out in cell.get("outputs", []):
        if out["output_type"] == "stream":
            parts.append(out["text"])
        elif out["output_type"] in ("execute_result", "display_data"):
            parts.append(out["data"].get("text/plain", ""))
    return "".join(parts)


def _source(cell: Any) -> str:
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def _cell(nb: Any, needle: str, *, exact: bool = False) -> Any:
    """The one code cell whose source contains ``needle`` (is ``needle``, when exact)."""
    found = [c for c in nb.cells if c.cell_type == "code"
             and (_source(c).strip() == needle if exact else needle in _source(c))]
    assert len(found) == 1, f"{len(found)} code cells contain {needle!r}"
    return found[0]


def _expected() -> dict[str, Any]:
    """Facts of the example catalog, read from the repository (not through the client)."""
    import pyarrow.parquet as pq
    import yaml

    training = yaml.safe_load((REPO / "products" / TRAINING / "product.yaml").read_text(
        encoding="utf-8"))
    ids = sorted(y.parent.relative_to(REPO / "products").as_posix()
                 for y in (REPO / "products").rglob("product.yaml"))
    return {
        "ids": ids,
        "products": len(ids),
        "specz_rows": pq.ParquetFile(REPO / "products" / SPECZ / "specz_ecdfs.parquet"
                                     ).metadata.num_rows,
        "training_files": [f["path"] for f in training["files"]],
    }


def test_notebook_is_stored_without_outputs() -> None:
    try:
        import nbformat
    except ImportError:
        _missing("nbformat")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, _source(cell)[:60]


def test_notebook_runs(tools: tuple[Any, Any, Any], served: tuple[str, Path], tmp_path: Path,
                       monkeypatch: pytest.MonkeyPatch) -> None:
    nbformat, NotebookClient, Config = tools
    url, key = served
    _kernel_env(tmp_path, monkeypatch)
    monkeypatch.setenv("PZ_SITE", url)
    monkeypatch.setenv("PZ_KEY", str(key))
    work = tmp_path / "work"
    work.mkdir()

    nb = nbformat.read(NOTEBOOK, as_version=4)
    check = nbformat.v4.new_code_cell("import sys; print('KERNEL', sys.executable)")
    nb.cells.append(check)
    # CurveZMQ on the kernel's sockets where jupyter_client has it (8.10+; older ones ignore
    # the setting), else ipykernel warns on stderr of running over TCP in clear.
    config = Config({"KernelManager": {"transport_encryption": "auto"}})
    client = NotebookClient(nb, kernel_name="python3", timeout=120, config=config,
                            resources={"metadata": {"path": str(work)}})
    started = time.perf_counter()
    client.execute()  # raises CellExecutionError, with the traceback, when a cell fails
    seconds = time.perf_counter() - started
    print(f"notebook executed in {seconds:.1f} s")

    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.execution_count is not None, _source(cell)[:60]
            errors = [o for o in cell.outputs if o["output_type"] == "error"]
            assert not errors, errors
            warned = [o["text"] for o in cell.outputs
                      if o["output_type"] == "stream" and o["name"] == "stderr"]
            assert not warned, (_source(cell)[:60], warned)
    assert _text(check).strip() == f"KERNEL {sys.executable}"  # the kernel is this Python

    want = _expected()
    assert f"({want['products']} products, sealed)" in _text(_cell(nb, "cat = Catalog("))
    assert f": {want['products']} products (sealed: True)" in _text(_cell(nb, "cat.title"))
    listing = _text(_cell(nb, "cat.display_products_list()", exact=True))
    assert sorted(w for w in listing.split() if w.startswith(("official/", "user/"))
                  ) == want["ids"]

    rows = _text(_cell(nb, "specz = cat.get_product(specz_id)"))
    assert rows.startswith(f"{want['specz_rows']} rows, 7 columns")
    assert "True" in _text(_cell(nb, "z_only = cat.column("))  # by role == one column read

    figures = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
               if "image/png" in o.get("data", {})]
    assert len(figures) == 3  # n(z), sky, colour-redshift

    # The site's count of missing values agrees with the sentinels the notebook replaced.
    assert "The counts agree: True" in _text(_cell(nb, "missing (site summary)"))

    download = _text(_cell(nb, "download_product("))
    lines = [line for line in download.splitlines() if not line.startswith("Saved in")]
    assert [line.split()[0] for line in lines] == ["OK"] * len(want["training_files"])
    for path in want["training_files"]:
        assert (work / "downloads" / TRAINING.rsplit("/", 1)[1] / path).is_file()
    assert seconds < 60, f"the notebook took {seconds:.0f} s to run"
