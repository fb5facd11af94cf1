"""Tables of results: the rows a monitor collects, as dicts, pandas or CSV; the per-epoch monitor protocol."""

from __future__ import annotations

import csv
from dataclasses import asdict, fields
from typing import Any, Callable, Optional

from .._arrays import check_count


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


def tables_to_csv(tables: dict, path, column: str = "name") -> None:
    """Writes several tables of the same row type to one CSV file, each row tagged with its table's name in a
    first column ``column``: e.g. ``{"digits": result, "shuffled labels": other}``."""
    if not tables:
        raise ValueError("tables is empty: pass at least one named table")
    columns = next(iter(tables.values())).columns()
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=[column, *columns])
        writer.writeheader()
        for name, table in tables.items():
            writer.writerows({column: name, **row} for row in table.table())


class EpochMonitor(RowTable):
    """Mixin for a monitor whose ``update(epoch)`` appends rows with an ``epoch`` field: the training-loop
    protocol of :func:`infoscope.torch.fit` and the Lightning callback."""

    update: Callable[[Optional[int]], Any]  # defined by each monitor

    def next_epoch(self, epoch: Optional[int]) -> int:
        """``epoch``, checked; by default one past the last row's (0 first)."""
        if epoch is None:
            epoch = self.rows[-1].epoch + 1 if self.rows else 0
        return check_count(epoch, "epoch", 0)

    def start(self) -> None:
        """Before training: the untrained network, as epoch 0 (unless an update was already made)."""
        if not self.rows:
            self.update(0)

    def epoch_end(self, epoch: int) -> None:
        self.update(epoch)

    def stop(self) -> None:
        pass
