"""Write constraints.txt: name==version of every runtime dependency of beleidszoeker (transitively, extras of
dependencies included, test extras not), as installed in the running environment. Run with .venv/bin/python
after changing install_requires in setup.cfg."""
from __future__ import annotations

import re
import sys
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

from packaging.requirements import Requirement

HEADER = ("# Pinned runtime dependencies (transitively): `make` installs with `pip install -c constraints.txt`, so a\n"
          "# fresh machine builds what was tested. After changing setup.cfg: .venv/bin/python .ci/pin_constraints.py\n")


def key(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def runtime_pins(root: str = "beleidszoeker") -> dict[str, str]:
    pins: dict[str, str] = {}
    todo: list[tuple[str, str]] = [(root, "")]
    while todo:
        name, extra = todo.pop()
        try:
            dist = distribution(name)
        except PackageNotFoundError:
            continue
        if extra == "" and key(name) in pins:
            continue
        pins[key(name)] = dist.version
        for line in dist.requires or []:
            req = Requirement(line)
            if req.marker and not req.marker.evaluate({"extra": extra}):
                continue
            todo.append((req.name, ""))
            todo.extend((req.name, e) for e in req.extras)
    pins.pop(key(root))
    return pins


if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent / "constraints.txt")
    out.write_text(HEADER + "".join(f"{k}=={v}\n" for k, v in sorted(runtime_pins().items())))
    print(f"{out}: {len(runtime_pins())} pins")
