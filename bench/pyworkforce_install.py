"""pyworkforce for the side-by-side benchmarks only: installed into bench/out on first use, not a dependency."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

PYWORKFORCE = Path(__file__).resolve().parent / "out" / "pyworkforce"
VERSION = "0.5.1"


def use_pyworkforce() -> Path:
    """Install pyworkforce once and put it on sys.path. `--no-deps`: its pins are older than ours and the
    parts we compare against only need numpy, pandas and ortools, which the project already has."""
    if not PYWORKFORCE.exists():
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target",
                        str(PYWORKFORCE), f"pyworkforce=={VERSION}"], check=True)
    if str(PYWORKFORCE) not in sys.path:
        sys.path.insert(0, str(PYWORKFORCE))
    return PYWORKFORCE
