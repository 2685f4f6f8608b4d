"""The dependency lock files (requirements/*.txt, `make lock`) stay in step with setup.cfg."""

import configparser
import re
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)")


def _setup_requirements():
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "setup.cfg")

    def reqs(text):
        return [Requirement(line) for line in text.strip().splitlines() if line.strip()]

    extras = {name: reqs(value) for name, value in cfg["options.extras_require"].items()}
    return reqs(cfg["options"]["install_requires"]), extras


def _lock(name):
    """{canonical name: (version, number of hashes)} of one lock file."""
    pins, current = {}, None
    for line in (ROOT / "requirements" / name).read_text().splitlines():
        match = PIN.match(line)
        if match:
            current = canonicalize_name(match.group(1))
            pins[current] = [match.group(2), 0]
        elif line.strip().startswith("--hash=sha256:") and current:
            pins[current][1] += 1
    return pins


@pytest.mark.parametrize(("lock_file", "extras"), [
    ("production.txt", ("postgres", "server")),
    ("dev.txt", ("postgres", "server", "dev")),
])
def test_every_declared_dependency_is_pinned_with_hashes_in_the_lock(lock_file, extras):
    """Does each lock pin every dependency setup.cfg declares for it, at a version the declaration allows,
    with a sha256 hash for `pip install --require-hashes` (run `make lock` after editing setup.cfg)?"""
    runtime, extra_reqs = _setup_requirements()
    pins = _lock(lock_file)
    declared = runtime + [r for name in extras for r in extra_reqs[name]]
    assert len(declared) > 15
    problems = []
    for req in declared:
        pin = pins.get(canonicalize_name(req.name))
        if pin is None:
            problems.append(f"{req.name} missing")
        elif not req.specifier.contains(pin[0], prereleases=True):
            problems.append(f"{req.name}=={pin[0]} outside {req.specifier}")
    assert problems == [], f"requirements/{lock_file} is stale, run `make lock`: {problems}"
    unhashed = sorted(name for name, (_version, hashes) in pins.items() if hashes == 0)
    assert unhashed == []


def test_production_lock_has_the_server_and_time_zones_but_no_test_tools():
    """Does the production lock carry gunicorn (the [server] extra) and tzdata (a runtime dependency, so
    Asia/Jakarta resolves on hosts without system zone data) while leaving out pytest and the linters?"""
    runtime, extras = _setup_requirements()
    assert "tzdata" in {canonicalize_name(r.name) for r in runtime}
    assert "gunicorn" not in {canonicalize_name(r.name) for r in runtime}
    assert "gunicorn" in {canonicalize_name(r.name) for r in extras["server"]}
    production = _lock("production.txt")
    assert {"gunicorn", "tzdata", "psycopg", "flask"} <= set(production)
    assert not {"pytest", "ruff", "mypy", "schemathesis"} & set(production)
    dev = _lock("dev.txt")
    assert all(dev[name][0] == version for name, (version, _h) in production.items() if name in dev)
