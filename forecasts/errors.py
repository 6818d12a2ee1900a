"""Errors for input files that name the file, line and column of every problem."""

from __future__ import annotations

from dataclasses import dataclass

MAX_LISTED = 20


@dataclass(frozen=True)
class Problem:
    """One thing wrong in an input file; line 1 is the header row, None when it concerns the whole file."""

    file: str
    line: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f" line {self.line}"
        if self.column:
            where += f", column {self.column}"
        return f"{where}: {self.message}"


class DataFileError(ValueError):
    """An input file that was refused as a whole; nothing of it was used or stored."""

    def __init__(self, problems: list[Problem]):
        if not problems:
            raise ValueError("DataFileError needs at least one problem")
        self.problems = sorted(problems, key=lambda p: (p.line or 0, p.column or ""))
        listed = [str(p) for p in self.problems[:MAX_LISTED]]
        if len(self.problems) > MAX_LISTED:
            listed.append(f"… and {len(self.problems) - MAX_LISTED} more problems in {self.problems[0].file}; "
                          "fix these and import again")
        super().__init__("\n".join(listed))
