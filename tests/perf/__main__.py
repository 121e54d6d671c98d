"""`make bench`: run every benchmark module (tests/perf/bench_*.py) and print its table.

Each module exposes ``run() -> str`` returning a Markdown table of numbers measured side by
side in this one run (ratios, not absolute thresholds: machines differ).
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    wanted = set(argv)
    here = Path(__file__).parent
    for info in sorted(pkgutil.iter_modules([str(here)]), key=lambda m: m.name):
        if not info.name.startswith("bench_"):
            continue
        name = info.name.removeprefix("bench_")
        if wanted and name not in wanted:
            continue
        module = importlib.import_module(f"tests.perf.{info.name}")
        print(f"\n## {name}\n", flush=True)
        print(module.run(), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
