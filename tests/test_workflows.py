"""The GitHub workflows and pre-commit hooks: valid against their schemas, every action pinned,
and their `run:` steps executed here, in order, on real git clones, as a runner would."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from pzbuild.cli import main

from .conftest import REPO, copy_example_catalog
from .test_review import CI_REVIEW_ARGS, add_user_product, commit_all, git, make_base_repo

WORKFLOWS = REPO / ".github" / "workflows"
BIN = Path(sys.executable).parent
PINNED = re.compile(r"^[\w.-]+/[\w.-]+(?:/[\w./-]+)?@[0-9a-f]{40}$")


def load(name: str) -> dict[str, Any]:
    data = yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))
    # YAML 1.1 reads the key `on` as True.
    if True in data:
        data["on"] = data.pop(True)
    return dict(data)


def steps(workflow: dict[str, Any], job: str) -> list[dict[str, Any]]:
    return list(workflow["jobs"][job]["steps"])


# -- schema, pins, permissions -----------------------------------------------------------------

def _check_jsonschema(*files: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "check_jsonschema", "--builtin-schema",
                           "vendor.github-workflows", *map(str, files)],
                          capture_output=True, text=True, check=False)


def test_workflows_are_valid_github_workflows(tmp_path: Path) -> None:
    files = sorted(WORKFLOWS.glob("*.yml"))
    assert [f.name for f in files] == ["deploy.yml", "pr-comment.yml", "pull-request.yml"]
    done = _check_jsonschema(*files)
    assert done.returncode == 0, done.stdout + done.stderr
    # The validator does reject a broken workflow (a job without runs-on or steps).
    broken = tmp_path / "broken.yml"
    broken.write_text("name: x\non: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n"
                      "    steps: 3\n")
    assert _check_jsonschema(broken).returncode == 1


def test_every_action_is_pinned_to_a_commit_of_a_release() -> None:
    for path in WORKFLOWS.glob("*.yml"):
        for line in path.read_text().splitlines():
            match = re.match(r"^\s*(?:- )?uses:\s*(\S+)\s*(#.*)?$", line)
            if match:
                assert PINNED.match(match[1]), f"{path.name}: {line.strip()}"
                assert match[2] and re.match(r"#\s*v\d+\.\d+\.\d+$", match[2]), \
                    f"{path.name}: say which release the commit is: {line.strip()}"


def test_run_steps_take_no_expressions() -> None:
    """Values reach scripts through env, never pasted into the script (no injection)."""
    for path in WORKFLOWS.glob("*.yml"):
        wf = load(path.name)
        for job in wf["jobs"]:
            for step in steps(wf, job):
                assert "${{" not in step.get("run", ""), f"{path.name}: {step}"


def test_pull_request_workflow_cannot_write_or_deploy() -> None:
    wf = load("pull-request.yml")
    assert list(wf["on"]) == ["pull_request"]
    assert wf["permissions"] == {"contents": "read"}
    text = (WORKFLOWS / "pull-request.yml").read_text()
    assert "secrets." not in text and "deploy-pages" not in text
    check = steps(wf, "check")
    assert check[0]["uses"].startswith("actions/checkout@")
    assert check[0]["with"]["fetch-depth"] == 0
    builds = [s["run"] for s in check if "pzbuild build" in s.get("run", "")]
    assert builds == ['pzbuild build --plain --out "$RUNNER_TEMP/preview"']


def test_comment_workflow_reads_only_the_report() -> None:
    wf = load("pr-comment.yml")
    assert wf["on"]["workflow_run"]["workflows"] == [load("pull-request.yml")["name"]]
    assert wf["permissions"] == {"actions": "read", "pull-requests": "write"}
    used = [s.get("uses", "").split("@")[0] for s in steps(wf, "comment")]
    assert "actions/checkout" not in used
    assert used[-1] == "marocchino/sticky-pull-request-comment"


def test_deploy_workflow() -> None:
    wf = load("deploy.yml")
    assert wf["on"]["push"] == {"branches": ["main"]}
    build = steps(wf, "build")
    assert build[0]["with"]["fetch-depth"] == 0
    assert [s["run"] for s in build if "pzbuild build" in s.get("run", "")] == \
        ["pzbuild build --out site"]  # sealed: no --plain
    assert build[-1]["uses"].startswith("actions/upload-pages-artifact@")
    deploy = wf["jobs"]["deploy"]
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy["environment"]["name"] == "github-pages"
    assert deploy["needs"] == "build"
    assert deploy["steps"][0]["uses"].startswith("actions/deploy-pages@")


def test_the_review_command_is_the_one_the_tests_run() -> None:
    script = next(s["run"] for s in steps(load("pull-request.yml"), "check")
                  if "pzbuild review" in s.get("run", ""))
    line = next(ln for ln in script.splitlines() if ln.strip().startswith("pzbuild review"))
    argv = shlex.split(line.replace("$BASE_REF", "main"))
    assert argv[0] == "pzbuild"
    assert argv[1:argv.index(">")] == CI_REVIEW_ARGS


# -- the run steps, executed -----------------------------------------------------------------

def _expand(value: Any, context: dict[str, str]) -> str:
    def one(match: re.Match[str]) -> str:
        return context[match[1].strip()]  # an unknown expression fails the test

    return re.sub(r"\$\{\{(.*?)\}\}", one, str(value))


def _condition(expr: str | None, outcomes: dict[str, str]) -> bool:
    """The few `if:` forms the workflows use; anything else fails the test."""
    if expr is None:
        return all(o == "success" for o in outcomes.values())
    terms = [t.strip() for t in expr.strip().removeprefix("${{").removesuffix("}}")
             .split("&&")]
    ok = True
    for term in terms:
        if term == "!cancelled()":
            continue
        match = re.fullmatch(r"steps\.([\w-]+)\.outcome == '(\w+)'", term)
        assert match, f"the test runner does not know the condition {term!r}"
        ok = ok and outcomes.get(match[1]) == match[2]
    return ok


def run_job(workflow: dict[str, Any], job: str, cwd: Path, context: dict[str, str],
            tmp: Path) -> dict[str, tuple[int, str]]:
    """Run the `run:` steps of a job as a runner does (bash -eo pipefail, GITHUB_OUTPUT,
    GITHUB_STEP_SUMMARY, step env), skipping actions and the install (pzbuild is installed
    here). Returns step name -> (exit code, output)."""
    (tmp / "runner").mkdir(exist_ok=True)
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
           "GITHUB_OUTPUT": str(tmp / "output"), "GITHUB_STEP_SUMMARY": str(tmp / "summary"),
           "RUNNER_TEMP": str(tmp / "runner"), "CI": "true"}
    outcomes: dict[str, str] = {}
    ran: dict[str, tuple[int, str]] = {}
    for i, step in enumerate(steps(workflow, job)):
        sid = step.get("id", f"step{i}")
        if "run" not in step or "pip install" in step["run"]:
            outcomes[sid] = "success"
            continue
        if not _condition(step.get("if"), outcomes):
            outcomes[sid] = "skipped"
            continue
        script = tmp / f"step{i}.sh"
        script.write_text(step["run"])
        step_env = {k: _expand(v, context) for k, v in (step.get("env") or {}).items()}
        done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
                              cwd=cwd, env={**env, **step_env}, capture_output=True, text=True,
                              check=False)
        outcomes[sid] = "success" if done.returncode == 0 else "failure"
        ran[step.get("name", sid)] = (done.returncode, done.stdout + done.stderr)
    return ran


@pytest.fixture
def origin(tmp_path: Path) -> Path:
    return make_base_repo(tmp_path / "origin")


def _pr_clone(origin: Path, dest: Path) -> Path:
    git(origin.parent, "clone", "-q", f"file://{origin}", str(dest))
    git(dest, "checkout", "-q", "-b", "pr")
    return dest


PR_CONTEXT = {"github.base_ref": "main", "github.event.pull_request.number": "7"}


def test_pull_request_steps_on_a_valid_pull_request(origin: Path, tmp_path: Path) -> None:
    clone = _pr_clone(origin, tmp_path / "ci")
    add_user_product(clone)
    commit_all(clone, "add a product")
    ran = run_job(load("pull-request.yml"), "check", clone, PR_CONTEXT, tmp_path)
    assert {name: code for name, (code, _) in ran.items()} == \
        {"Validate": 0, "Review": 0, "Plain preview": 0}
    report = (tmp_path / "runner" / "review" / "review.md").read_text()
    assert report.startswith("<!-- pzbuild-review -->\n## pzbuild review: ✅ valid")
    assert "`user/newbie/wide-specz-copy`" in report
    assert "Other files changed" not in report  # the steps write nothing into the checkout
    assert (tmp_path / "runner" / "review" / "pr-number").read_text().strip() == "7"
    assert report in (tmp_path / "summary").read_text()
    assert (tmp_path / "runner" / "preview" / "products" / "user" / "newbie"
            / "wide-specz-copy" / "index.html").is_file()


def test_pull_request_steps_on_an_invalid_pull_request(origin: Path, tmp_path: Path) -> None:
    clone = _pr_clone(origin, tmp_path / "ci")
    add_user_product(clone, slug="bad", type="spectra")
    commit_all(clone, "add an invalid product")
    ran = run_job(load("pull-request.yml"), "check", clone, PR_CONTEXT, tmp_path)
    # Validation fails, the review still runs and says why, no preview is built.
    assert {name: code for name, (code, _) in ran.items()} == {"Validate": 1, "Review": 1}
    report = (tmp_path / "runner" / "review" / "review.md").read_text()
    assert "## pzbuild review: ❌" in report
    assert "products/user/newbie/bad/product.yaml:" in report
    assert not (tmp_path / "runner" / "preview").exists()


def test_pull_request_steps_when_review_cannot_run(origin: Path, tmp_path: Path) -> None:
    clone = _pr_clone(origin, tmp_path / "ci")
    context = {**PR_CONTEXT, "github.base_ref": "no-such-branch"}
    ran = run_job(load("pull-request.yml"), "check", clone, context, tmp_path)
    assert ran["Review"][0] == 2
    report = (tmp_path / "runner" / "review" / "review.md").read_text()
    assert report.startswith("<!-- pzbuild-review -->\n## pzbuild review could not run")
    assert "unknown git ref 'origin/no-such-branch'" in report


def test_deploy_steps_build_a_sealed_site(origin: Path, tmp_path: Path) -> None:
    from pzbuild.access import add_user, generate_key

    key = generate_key(tmp_path / "reader.pem")
    add_user(origin / "access" / "users.yaml", "reader", key.public_key)
    commit_all(origin, "a reader")
    git(tmp_path, "clone", "-q", f"file://{origin}", "main")
    ran = run_job(load("deploy.yml"), "build", tmp_path / "main", {}, tmp_path)
    assert {name: code for name, (code, _) in ran.items()} == \
        {"Validate": 0, "Check CODEOWNERS": 0, "Build the sealed site": 0}
    assert "sealed for 1 readers (reader)" in ran["Build the sealed site"][1]
    assert (tmp_path / "main" / "site" / "index.html").is_file()


# -- pre-commit ------------------------------------------------------------------------------

def _hooks() -> tuple[dict[str, Any], dict[str, Any]]:
    offered = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    example = yaml.safe_load((REPO / ".pre-commit-config.yaml").read_text())
    return offered[0], example["repos"][0]["hooks"][0]


def test_pre_commit_files_are_valid_and_agree() -> None:
    for cmd in (["validate-manifest", ".pre-commit-hooks.yaml"],
                ["validate-config", ".pre-commit-config.yaml"]):
        done = subprocess.run([str(BIN / "pre-commit"), *cmd], cwd=REPO, capture_output=True,
                              text=True, check=False)
        assert done.returncode == 0, done.stdout + done.stderr
    offered, example = _hooks()
    assert offered["id"] == example["id"] == "pzbuild-validate"
    for key in ("entry", "files", "pass_filenames"):
        assert offered[key] == example[key], key


def _pre_commit(repo: Path, tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
           "PRE_COMMIT_HOME": str(tmp / "pre-commit-home"), "GIT_CONFIG_GLOBAL": os.devnull}
    return subprocess.run([str(BIN / "pre-commit"), "run", "--verbose", *args], cwd=repo,
                          env=env, capture_output=True, text=True, check=False)


def test_pre_commit_hook_validates_the_changed_products(tmp_path: Path) -> None:
    repo = copy_example_catalog(tmp_path / "catalog")
    shutil.copy(REPO / ".pre-commit-config.yaml", repo / ".pre-commit-config.yaml")
    git(repo, "init", "-q", "-b", "main")
    commit_all(repo, "base")
    folder = add_user_product(repo, slug="bad", type="spectra")
    git(repo, "add", "-A")
    done = _pre_commit(repo, tmp_path)
    assert done.returncode == 1, done.stdout
    assert "products/user/newbie/bad/product.yaml:" in done.stdout
    assert "1 products checked" in done.stdout
    add_user_product(repo, slug="good")
    shutil.rmtree(folder)
    git(repo, "add", "-A")
    done = _pre_commit(repo, tmp_path)
    assert done.returncode == 0, done.stdout
    assert "1 products checked: 0 errors" in done.stdout
    vocab = repo / "schema" / "vocabulary.yaml"
    vocab.write_text(vocab.read_text() + "\n")
    git(repo, "add", "-A")
    done = _pre_commit(repo, tmp_path, "--files", "schema/vocabulary.yaml")
    products = len(list(repo.glob("products/**/product.yaml")))
    assert f"{products} products checked: 0 errors" in done.stdout


def test_validate_changed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = copy_example_catalog(tmp_path / "catalog")
    monkeypatch.chdir(repo)
    products = len(list(repo.glob("products/**/product.yaml")))

    def checked(*paths: str) -> str:
        result = CliRunner().invoke(main, ["validate", "--changed", *paths])
        assert result.exit_code == 0, result.output
        return result.stderr.split(":")[0]

    product = "products/official/synth-specz-ecdfs"
    assert checked(f"{product}/README.md") == "1 products checked"
    assert checked(f"{product}/gone.csv", f"{product}/product.yaml") == "1 products checked"
    assert checked("products/user/asmith/removed-product/product.yaml") == \
        f"{products} products checked"
    assert checked("catalog.yaml") == f"{products} products checked"
    result = CliRunner().invoke(main, ["validate", "--changed"])
    assert result.exit_code == 0 and "nothing to validate" in result.stderr
