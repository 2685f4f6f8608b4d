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
FUNCTION_IMPORTS_CEILING = 325


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
