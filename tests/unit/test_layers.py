"""The layers of ARCHITECTURE.md section 1 hold in the code: the import contract (.importlinter, also run
by `make lint`), no request-bound Flask object below the blueprints, and imports made inside functions
only shrink (each one hides an edge from a reader, even though import-linter sees it)."""
from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
COOP = ROOT / "coop"
WEB = {"blueprints", "web", "i18n.py", "__init__.py", "cli.py", "demo.py"}
REQUEST_BOUND = {"request", "session", "g"}

#: Imports inside functions in coop/ today. Lower it when you remove some; never raise it (move the import to
#: the top of the module, or move the code to the layer it belongs to).
FUNCTION_IMPORTS_CEILING = 10


def _domain_modules():
    for path in COOP.rglob("*.py"):
        top = path.relative_to(COOP).parts[0]
        if top in WEB or path.name in ("forms.py", "schemas.py", "cli.py"):
            continue
        yield path


def test_import_contract_is_kept():
    """Does lint-imports keep both contracts (domain never imports the web layer; layers flow one way)?"""
    exe = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    if exe is None:
        pytest.skip("import-linter is not installed (pip install -e '.[dev]')")
    run = subprocess.run([exe, "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]


def test_no_domain_module_touches_the_request():
    """Does any domain module import flask's request, session or g (services take plain arguments)?"""
    offenders = []
    for path in _domain_modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module == "flask":
                bad = {a.name for a in node.names} & REQUEST_BOUND
                if bad:
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} {sorted(bad)}")
    assert offenders == []


def _function_imports() -> list[str]:
    found = []
    for path in COOP.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for fn in ast.walk(tree):
            if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
                for node in ast.walk(fn):
                    if isinstance(node, ast.Import | ast.ImportFrom):
                        found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return sorted(set(found))


def test_function_level_imports_only_shrink():
    """Are there no more imports inside functions than the recorded ceiling?"""
    found = _function_imports()
    assert len(found) <= FUNCTION_IMPORTS_CEILING, (
        f"{len(found)} imports inside functions (ceiling {FUNCTION_IMPORTS_CEILING}); move new ones to the top "
        f"of the module: {found[-10:]}")


BLUEPRINTS = COOP / "blueprints"

#: Blueprint modules still allowed to say ``db.session``, with how many times (issue 16, item 4: it only
#: shrinks; page data comes from each area's ``queries.py``).
DB_SESSION_ALLOWED: dict[str, int] = {
    # empty: the error handlers and the health check roll back through coop.db.discard_request_session, the
    # API's idempotency store is coop.auth.idempotency, the desk API re-reads through coop.db.forget_loaded
}


def test_blueprints_run_no_queries_of_their_own():
    """Does any blueprint module say ``db.session`` more often than its allow-list entry (page data comes from
    the areas' read services, coop/<area>/queries.py)?"""
    offenders = []
    for path in sorted(BLUEPRINTS.rglob("*.py")):
        name = str(path.relative_to(ROOT))
        lines = [n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if "db.session" in line]
        if len(lines) > DB_SESSION_ALLOWED.get(name, 0):
            offenders.append(f"{name}: db.session on lines {lines} (allowed {DB_SESSION_ALLOWED.get(name, 0)})")
    assert offenders == []


def test_the_db_session_allow_list_only_shrinks():
    """Does every allow-list entry still name a file that needs it (lower the count when you move a query)?"""
    stale = []
    for name, allowed in DB_SESSION_ALLOWED.items():
        path = ROOT / name
        found = path.read_text(encoding="utf-8").count("db.session") if path.exists() else 0
        if found < allowed:
            stale.append(f"{name}: {found} < {allowed}")
    assert stale == []


def _private_calls_into_coop(path: Path, label: str | None = None) -> list[str]:
    """``module._name(...)`` calls where ``module`` is a name the file imported from ``coop``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    modules: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules |= {(a.asname or a.name.split(".")[0]) for a in node.names if a.name.startswith("coop.")}
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("coop"):
            modules |= {a.asname or a.name for a in node.names}
    found = []
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name) and node.func.value.id in modules
                and node.func.attr.startswith("_") and not node.func.attr.startswith("__")):
            found.append(f"{label or path.relative_to(ROOT)}:{node.lineno} {node.func.value.id}.{node.func.attr}(")
    return found


def test_blueprints_call_no_private_function_of_another_module():
    """Does any blueprint call ``module._name(...)`` of a coop module (make it public with a docstring, or
    move the logic into the service)?"""
    found = [hit for path in sorted(BLUEPRINTS.rglob("*.py")) for hit in _private_calls_into_coop(path)]
    assert found == []


def test_the_private_call_check_sees_a_private_call(tmp_path):
    """Does the check above find ``loans._build(...)`` in a file that imported ``loans`` from coop (so the
    empty result above means something)?"""
    sample = tmp_path / "view.py"
    sample.write_text("from coop.loans import services as loans\n\n\ndef view():\n"
                      "    return loans._build(1, 2), current_user._get_current_object()\n", encoding="utf-8")
    assert _private_calls_into_coop(sample, "view.py") == ["view.py:5 loans._build("]
