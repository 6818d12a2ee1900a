"""requirements.csv (DATA.md): the staffing frame written with ISO times and rounded numbers."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from scheduler.staffing import REQUIREMENT_COLUMNS


def requirements_csv_text(frame: pd.DataFrame) -> str:
    out = frame[list(REQUIREMENT_COLUMNS)].copy()
    out["interval_start"] = [t.isoformat() for t in out["interval_start"]]
    out["offered"] = out["offered"].astype(float).round(3)
    out["aht_s"] = out["aht_s"].astype(float).round(1)
    return out.to_csv(index=False, lineterminator="\n")


def write_requirements_csv(frame: pd.DataFrame, target: str | Path) -> None:
    Path(target).write_text(requirements_csv_text(frame), encoding="utf-8")
