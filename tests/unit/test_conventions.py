"""The conventions of docs/DEVELOPING.md that a machine can check in the test suite itself: every test says,
in its docstring, what behaviour it proves (as a question a user or reviewer would ask)."""
from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]


def _test_functions():
    """Every function named ``test_*`` under tests/ (methods and nested ones too), as (where, node)."""
    for path in sorted(TESTS.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test_"):
                yield f"{path.relative_to(TESTS.parent)}:{node.lineno} {node.name}", node


def test_every_test_function_has_a_docstring():
    """Does every ``test_*`` function under tests/ carry a non-empty docstring (the walk must see the whole
    suite, more than 1,000 functions including this one), listing each one that has none?"""
    found = list(_test_functions())
    names = {node.name for _, node in found}
    assert len(found) > 1000 and "test_every_test_function_has_a_docstring" in names, len(found)
    missing = [where for where, node in found if not (ast.get_docstring(node) or "").strip()]
    assert missing == [], f"{len(missing)} test functions without a docstring:\n" + "\n".join(missing)
