"""The demo ledger in an ERP database, as a kommun's Raindance-like system keeps it.

Two tables, with Swedish names as such systems have them: `verifikation` (one row per
voucher, with its accounting period) and `verifikationsrad` (one row per voucher row, with
the coding). The generator fills them while it writes the SIE files, from the same vouchers,
so a reader can be checked against both. Any SQLAlchemy URL works (SQLite, PostgreSQL,
MariaDB).
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import sqlalchemy as sa

metadata = sa.MetaData()
verifikation = sa.Table(
    "verifikation", metadata,
    sa.Column("ver_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("serie", sa.String(10), nullable=False),
    sa.Column("vernr", sa.Integer, nullable=False),
    sa.Column("bokforingsdatum", sa.Date, nullable=False),
    sa.Column("registreringsdatum", sa.Date),
    sa.Column("period", sa.String(6), nullable=False),
    sa.Column("text", sa.String(200)),
)
verifikationsrad = sa.Table(
    "verifikationsrad", metadata,
    sa.Column("rad_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("ver_id", sa.Integer, sa.ForeignKey("verifikation.ver_id"), nullable=False),
    sa.Column("radnr", sa.Integer, nullable=False),
    sa.Column("konto", sa.String(10)),
    sa.Column("ansvar", sa.String(20)),
    sa.Column("projekt", sa.String(20)),
    sa.Column("verksamhet", sa.String(20)),
    sa.Column("motpart", sa.String(10)),
    sa.Column("belopp", sa.Numeric(18, 2), nullable=False),
)
_OBJECT = re.compile(r'(\d+) "([^"]*)"')
DIMENSION_COLUMNS = {"1": "ansvar", "6": "projekt", "20": "verksamhet", "21": "motpart"}
BATCH_ROWS = 10_000  # voucher rows per insert: the writer never holds more (a large month
#                      has about 830,000)


class ErpDatabaseWriter:
    """Collects vouchers as the ledger writes them and inserts them in batches."""

    def __init__(self, url: str):
        self.engine = sa.create_engine(url)
        metadata.drop_all(self.engine)
        metadata.create_all(self.engine)
        self._vouchers: list[dict] = []
        self._rows: list[dict] = []
        self.voucher_count = 0
        self.row_count = 0

    def voucher(self, series: str, number: int, date: dt.date, text: str, regdate: dt.date,
                period: str, rows: list[tuple[str, str, int]]) -> None:
        self.voucher_count += 1
        ver_id = self.voucher_count
        self._vouchers.append({"ver_id": ver_id, "serie": series, "vernr": number,
                               "bokforingsdatum": date, "registreringsdatum": regdate,
                               "period": period, "text": text[:200]})
        for n, (account, objects, ore) in enumerate(rows, start=1):
            self.row_count += 1
            coding = {DIMENSION_COLUMNS[d]: code for d, code in _OBJECT.findall(objects)
                      if d in DIMENSION_COLUMNS}
            self._rows.append({"rad_id": self.row_count, "ver_id": ver_id, "radnr": n,
                               "konto": account, "ansvar": coding.get("ansvar"),
                               "projekt": coding.get("projekt"),
                               "verksamhet": coding.get("verksamhet"),
                               "motpart": coding.get("motpart"),
                               "belopp": Decimal(ore).scaleb(-2)})  # exact kronor
        if len(self._rows) >= BATCH_ROWS:
            self.flush()

    def flush(self) -> None:
        if not self._vouchers:
            return
        with self.engine.begin() as con:  # a voucher's rows always go with the voucher
            con.execute(verifikation.insert(), self._vouchers)
            if self._rows:
                con.execute(verifikationsrad.insert(), self._rows)
        self._vouchers, self._rows = [], []

    def close(self) -> None:
        self.flush()
        self.engine.dispose()
