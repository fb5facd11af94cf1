"""Tables of results: the rows a monitor collects, as dicts, pandas or CSV."""

from __future__ import annotations

import csv
from dataclasses import asdict, fields


class RowTable:
    """Mixin for a class with ``rows`` (a list of ``row_type`` dataclass instances)."""

    row_type: type
    rows: list

    @classmethod
    def columns(cls) -> list[str]:
        return [f.name for f in fields(cls.row_type)]

    def table(self) -> list[dict]:
        """The rows as dicts, one per row, keyed by column."""
        return [asdict(row) for row in self.rows]

    def to_pandas(self):
        """The rows as a pandas DataFrame (needs pandas)."""
        import pandas as pd
        return pd.DataFrame(self.table(), columns=self.columns())

    def to_csv(self, path) -> None:
        """Writes the rows to a CSV file with a header line."""
        with open(path, "w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=self.columns())
            writer.writeheader()
            writer.writerows(self.table())
