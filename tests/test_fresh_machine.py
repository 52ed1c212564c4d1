"""A fresh Debian machine builds and tests the project from what the repository says, not from what happens to be
installed: .ci/run installs every system package the build uses, and the runtime dependencies are pinned."""
import configparser
import re
import shlex
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

from packaging.requirements import Requirement

REPO = Path(__file__).resolve().parent.parent
CI = (REPO / ".ci" / "run").read_text()


def apt_packages() -> set[str]:
    """The package names .ci/run may hand to apt-get install."""
    return {m for m in re.findall(r"missing\+=\(([^)]*)\)", CI) for m in shlex.split(m)}


def pins() -> dict[str, str]:
    lines = [ln.strip() for ln in (REPO / "constraints.txt").read_text().splitlines()]
    return dict(ln.split("==") for ln in lines if ln and not ln.startswith("#"))


def norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_ci_installs_every_system_package_the_build_uses_in_one_apt_run():
    assert {"python3-venv", "nodejs", "npm", "chromium", "postgresql", "postgresql-contrib"} <= apt_packages()
    assert CI.count("apt-get update") == 1 and CI.count("apt-get install") == 1
    assert "chromium-driver" not in CI     # Playwright drives Chromium itself; nothing uses WebDriver


def test_nothing_uses_a_webdriver():
    used = subprocess.run(["git", "grep", "-il", "chromedriver\\|webdriver", "--", "*.py", "Makefile",
                           ":!tests/test_fresh_machine.py"],
                          cwd=REPO, capture_output=True, text=True).stdout.split()
    assert used == []


def test_the_readme_names_python3_venv_among_the_requirements():
    readme = (REPO / "README.md").read_text()
    assert "python3-venv" in readme.split("## What you get")[0]


def test_every_runtime_dependency_is_pinned_and_make_installs_with_the_pins():
    cfg = configparser.ConfigParser()
    cfg.read(REPO / "setup.cfg")
    required = [Requirement(r) for r in cfg["options"]["install_requires"].split("\n") if r.strip()]
    pinned = {norm(k): v for k, v in pins().items()}
    assert {norm(r.name) for r in required} <= set(pinned)
    for r in required:   # the pins satisfy setup.cfg
        assert r.specifier.contains(pinned[norm(r.name)], prereleases=True), (r, pinned[norm(r.name)])
    assert all(re.fullmatch(r"[\w.+!]+", v) for v in pinned.values())
    makefile = (REPO / "Makefile").read_text()
    installs = [ln for ln in makefile.splitlines() if "pip" in ln.lower() and " install " in ln and "-e" in ln]
    assert installs and all("-c constraints.txt" in ln for ln in installs)


def test_the_pins_are_the_transitive_runtime_set_of_this_environment():
    """constraints.txt is what .ci/pin_constraints.py derives from the installed distributions: nothing missing
    (a transitive dependency left to float) and nothing stale."""
    sys.path.insert(0, str(REPO / ".ci"))
    from pin_constraints import runtime_pins
    assert {norm(k): v for k, v in pins().items()} == runtime_pins()
    assert version("flask") == pins()["flask"]
