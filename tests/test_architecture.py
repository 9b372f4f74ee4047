"""The house rules the code keeps by itself: who may do what is decided only in the access
modules, in capabilities, never role names; every model says whose centre it belongs to
(tests/test_tenancy.py); the layers hold (`lint-imports` in `make test`, contracts in
pyproject.toml)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Checking what someone may do: capabilities, role flags, platform staff. Only access modules
# (and the pure roles module that defines capabilities) may say these.
CHECKS = re.compile(
    r"\bCap\.[A-Z_]+|\.capabilities\(\)|\.roles\(\)|\bRole\.[A-Z]+|\.is_(?:learner|assessor|trainee_assessor|iqa|admin|eqa)\b"
    r"|\.is_superuser\b|\.is_staff\b"
)
# Where role flags are data rather than checks: the membership model and its roles form,
# the invitation services that copy them, and the admin's list of columns.
ROLE_DATA = {"apps/centres/models.py", "apps/centres/forms.py"}
TEMPLATE_CHECKS = re.compile(r"\.is_(?:learner|assessor|trainee_assessor|iqa|admin|eqa|superuser|staff)\b|\.roles\b")


def _python_sources() -> list[Path]:
    return [p for p in (ROOT / "apps").rglob("*.py") if "migrations" not in p.parts]


def test_capability_checks_live_only_in_access_modules():
    found = []
    for path in _python_sources():
        rel = path.relative_to(ROOT).as_posix()
        if path.name == "access.py" or rel == "apps/centres/roles.py" or rel in ROLE_DATA:
            continue
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if CHECKS.search(line.split("#")[0]):
                found.append(f"{rel}:{number}: {line.strip()}")
    assert not found, "decide who may do what in the app's access.py:\n" + "\n".join(found)


def test_templates_ask_what_someone_may_do_never_what_role_they_hold():
    found = []
    for path in (ROOT / "templates").rglob("*.html"):
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if TEMPLATE_CHECKS.search(line):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()[:120]}")
    assert not found, "pass the template what the access module decided:\n" + "\n".join(found)


STRING_STATUS = re.compile(r"(?:status|outcome|state|route|\.kind)\s*[!=]=\s*[\"']")


def test_templates_compare_statuses_through_their_enums_never_strings():
    found = []
    for path in (ROOT / "templates").rglob("*.html"):
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if STRING_STATUS.search(line):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()[:120]}")
    assert not found, "compare with the model's choices, e.g. evidence.status == evidence.Status.DRAFT:\n" + "\n".join(found)


def test_every_app_with_pages_has_one_access_module():
    apps_with_views = {p.parent.name for p in (ROOT / "apps").glob("*/views.py")}
    without = {name for name in apps_with_views - {"core", "home"} if not (ROOT / "apps" / name / "access.py").exists()}
    assert not without, without


def test_the_layers_hold():
    result = subprocess.run([str(Path(sys.executable).parent / "lint-imports"), "--no-cache"], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:]
