"""The three output files: roster.csv, interactions.csv (streamed week by week)
and ground_truth.json. docs/synthetic-org.md describes every column and field.

Timestamps are built from lookup tables (date of the window day, local time of
day, UTC offset of the location on that day) and joined in Arrow, so no Python
code runs per row.

>>> utc_offset_text(19800)
'+05:30'
>>> utc_offset_text(-14400)
'-04:00'
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from . import company as co
from .org import NO_EXIT, Org
from .rows import CHANNELS, Rows

ROSTER_COLUMNS = ("employee_id", "email", "name", "department", "team", "manager_id", "level", "location",
                  "hire_date", "exit_date", "job_title", "employment_type")
INTERACTION_COLUMNS = ("timestamp", "sender", "recipients", "channel", "duration_minutes")


def utc_offset_text(seconds: int) -> str:
    sign = "-" if seconds < 0 else "+"
    hours, rest = divmod(abs(int(seconds)), 3600)
    return f"{sign}{hours:02d}:{rest // 60:02d}"


def iso_dates(start: dt.date, days: np.ndarray) -> np.ndarray:
    """ISO dates of day offsets from ``start`` (object array of str)."""
    return (np.datetime64(start, "D") + days.astype("timedelta64[D]")).astype(str).astype(object)


def write_roster(path: Path, org: Org, window_start: dt.date) -> None:
    """One row per person employed at any time in the window, in employee-id order."""
    hire = iso_dates(window_start, org.hire_day)
    left = org.exit_day != NO_EXIT
    exit_ = np.where(left, iso_dates(window_start, np.where(left, org.exit_day, 0)), "")
    manager = np.where(org.manager >= 0, org.employee_id[np.maximum(org.manager, 0)], "")
    dept = np.asarray(org.dept_names, dtype=object)[org.dept]
    team = np.asarray(org.team_names, dtype=object)[org.team]
    level = np.asarray(co.LEVELS, dtype=object)[org.level]
    location = np.asarray(co.LOCATION_NAMES, dtype=object)[org.location]
    employment = np.asarray(co.EMPLOYMENT_TYPES, dtype=object)[org.employment]
    name = org.first_name + " " + org.last_name
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(ROSTER_COLUMNS)
        w.writerows(zip(org.employee_id, org.email, name, dept, team, manager, level, location, hire, exit_,
                        org.title, employment))


class InteractionsWriter:
    """Appends weeks of :class:`Rows` to interactions.csv, each week sorted by time."""

    def __init__(self, path: Path, *, addresses: list[str], window_start: dt.date, days: int):
        self.address = pa.array(addresses, pa.string())
        dates = [window_start + dt.timedelta(days=i) for i in range(days)]
        zones = [ZoneInfo(co.LOCATIONS[name]) for name in co.LOCATION_NAMES]
        self.offset = np.array([[int(dt.datetime.combine(d, dt.time(12), tzinfo=z).utcoffset().total_seconds())
                                 for z in zones] for d in dates], dtype=np.int64)
        self.offset_text = pa.array([utc_offset_text(s) for s in self.offset.ravel()], pa.string())
        self.date_text = pa.array([f"{d.isoformat()}T" for d in dates], pa.string())
        self.time_text = pa.array([f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(86400)],
                                  pa.string())
        self.channel_text = pa.array(CHANNELS, pa.string())
        self.n_zones = len(zones)
        schema = pa.schema([(c, pa.string()) for c in INTERACTION_COLUMNS[:-1]]
                           + [(INTERACTION_COLUMNS[-1], pa.int32())])
        options = pacsv.WriteOptions(quoting_style="none", quoting_header="none", batch_size=1 << 16)
        self._sink = pa.OSFile(str(path), "wb")
        self._writer = pacsv.CSVWriter(self._sink, schema, write_options=options)
        self.schema = schema
        self.rows = 0

    def utc_seconds(self, rows: Rows) -> np.ndarray:
        return rows.day * 86400 + rows.second - self.offset[rows.day, rows.zone]

    def write(self, rows: Rows) -> None:
        rows = rows.take(np.argsort(self.utc_seconds(rows), kind="stable"))
        flat = (rows.day * self.n_zones + rows.zone)
        timestamp = pc.binary_join_element_wise(self.date_text.take(pa.array(rows.day)),
                                                self.time_text.take(pa.array(rows.second)),
                                                self.offset_text.take(pa.array(flat)), "")
        recipients = pc.binary_join(
            pa.LargeListArray.from_arrays(pa.array(rows.ptr, pa.int64()), self.address.take(pa.array(rows.rec))),
            ";")
        table = pa.table([
            timestamp,
            self.address.take(pa.array(rows.sender)),
            recipients,
            self.channel_text.take(pa.array(rows.channel)),
            pa.array(rows.duration, pa.int32(), mask=rows.duration < 0),
        ], schema=self.schema)
        self._writer.write_table(table)
        self.rows += len(rows)

    def close(self) -> None:
        self._writer.close()
        self._sink.close()


def write_ground_truth(path: Path, truth: dict) -> None:
    with open(path, "w", encoding="utf-8") as f:
        json.dump(truth, f, indent=1, ensure_ascii=False)
        f.write("\n")
