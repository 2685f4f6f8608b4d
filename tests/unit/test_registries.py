"""Registries as data (issue 16 item 6): the scheduled jobs and the dashboard panels are each one literal
list, so importing a module (in whatever order) adds nothing and reorders nothing; ``N_`` is defined once,
in a module without Flask."""

import ast
import importlib
import inspect
from pathlib import Path

from coop import jobs
from coop.blueprints import main

COOP = Path(__file__).resolve().parents[2] / "coop"


def _sources():
    for path in sorted(COOP.rglob("*.py")):
        yield path, path.read_text(encoding="utf-8")


def test_job_order_is_the_literal_list_whatever_is_imported_first():
    """Importing the job modules in reverse order leaves JOBS as it was, and the order is the one a run
    needs: jasa simpanan before dormancy, the loans' daily arrears before the month's PPAP provision,
    the provision before the portfolio snapshot that reads the outstanding balances, and the day's
    reminders queued before the sender runs (so `jobs run` sends them in the same run)?"""
    before = [job.id for job in jobs.JOBS]
    for module in reversed(sorted({job.target.split(":")[0] for job in jobs.JOBS})):
        importlib.import_module(module)
    after = [job.id for job in jobs.JOBS]
    assert after == before
    assert len(set(after)) == len(after) == 13  # jobs.prune (issue 20) the twelfth, savings.arrears the 13th
    pos = after.index
    assert pos("savings.interest") < pos("savings.dormancy")
    assert pos("loans.daily") < pos("outreach.reminders") < pos("outreach.send")
    assert pos("loans.daily") < pos("loans.provision") < pos("reports.portfolio_snapshot")


def test_every_job_target_is_a_function_of_cooperative_and_date():
    """Does every job's target import to a function taking (cooperative_id, as_of), daily, monthly or
    always (the outreach sender, every few minutes), with a cron the scheduler accepts (so a renamed
    function fails here, not at 1 a.m.)?"""
    jobs._load_job_modules()
    for job in jobs.JOBS:
        params = list(inspect.signature(job.fn).parameters)
        assert params[:2] == ["cooperative_id", "as_of"], job.id
        assert job.frequency in {"daily", "monthly", "always"}, job.id
        assert set(job.cron) <= {"day", "hour", "minute"}, job.id
        assert ("hour" in job.cron) == (job.frequency != "always"), job.id
        assert (job.frequency == "monthly") == ("day" in job.cron), job.id


def test_nothing_registers_jobs_or_panels_as_an_import_side_effect():
    """Does no module outside the two lists append to them or call a register function for them?"""
    offenders = [str(path.relative_to(COOP)) for path, text in _sources()
                 if "DASHBOARD_PANELS.append" in text or "register(Job(" in text or "JOBS.append" in text]
    assert offenders == []


def test_dashboard_panels_are_the_literal_list_of_blueprint_functions():
    """Is every dashboard panel a public function of an HTML blueprint module, each listed once, in the
    order of main.DASHBOARD_PANELS (cash first: the treasurer's first look)?"""
    names = [f"{fn.__module__}.{fn.__name__}" for fn in main.DASHBOARD_PANELS]
    assert len(set(names)) == len(names) == 7
    assert names[0] == "coop.blueprints.ledger.cash_panel"
    for fn in main.DASHBOARD_PANELS:
        assert fn.__module__.startswith("coop.blueprints.") and not fn.__name__.startswith("_")
        assert list(inspect.signature(fn).parameters) == ["user"]


def test_n_underscore_is_defined_once_in_a_flask_free_module():
    """Is ``N_`` defined (def or assignment) in exactly one module, coop/text.py, which imports nothing
    from Flask, so models, services and rules can mark text without the web layer?"""
    definitions = []
    for path, text in _sources():
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef) and node.name == "N_":
                definitions.append(path.relative_to(COOP).as_posix())
            elif isinstance(node, ast.Assign | ast.AnnAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                if any(isinstance(t, ast.Name) and t.id == "N_" for t in targets):
                    definitions.append(path.relative_to(COOP).as_posix())
    assert definitions == ["text.py"]
    tree = ast.parse((COOP / "text.py").read_text(encoding="utf-8"))
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    assert not {name for name in imported if name.split(".")[0] in {"flask", "flask_babel", "werkzeug"}}
