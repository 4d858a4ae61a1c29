"""Run every benchmark in this directory (``make bench``): each module's ``main()``, one after another.

A benchmark module is any ``bench/*.py`` with a ``main()`` that returns an exit status (0 when its
targets are met); ``common.py`` holds shared helpers and this file runs the others. The exit status is 1
when any benchmark missed a target or failed, so CI can run it.
"""

from __future__ import annotations

import importlib
import sys
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
NOT_BENCHMARKS = {"common", "run_all"}


def benchmark_names() -> list[str]:
    return sorted(path.stem for path in HERE.glob("*.py") if path.stem not in NOT_BENCHMARKS)


def main() -> int:
    sys.path.insert(0, str(HERE))
    failed: list[str] = []
    for name in benchmark_names():
        module = importlib.import_module(name)
        if not callable(getattr(module, "main", None)):
            continue
        print(f"== {name}", flush=True)
        started = time.perf_counter()
        try:
            status = module.main([]) if _takes_arguments(module.main) else module.main()
        except Exception:
            traceback.print_exc()
            status = 1
        print(
            f"== {name}: {'ok' if status == 0 else 'missed'} in {time.perf_counter() - started:.0f} s\n",
            flush=True,
        )
        if status != 0:
            failed.append(name)
    if failed:
        print(f"benchmarks that missed a target: {', '.join(failed)}")
    return 1 if failed else 0


def _takes_arguments(function: object) -> bool:
    code = getattr(function, "__code__", None)
    return code is not None and code.co_argcount > 0


if __name__ == "__main__":
    sys.exit(main())
