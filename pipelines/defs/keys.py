"""Asset keys shared by the area modules.

A raw table's asset is `raw_<table>` (jaffle-shop's naming: raw_customers → stg_customers →
customers): the Dagster graph shows an asset by the last part of its key, and the marts
that take a raw table's name (accounts, org_units, ledger_transactions) must not show as
the same node name as the load they come from.
"""

import dagster as dg


def raw_key(table: str) -> dg.AssetKey:
    """The asset of the warehouse table raw.<table>."""
    return dg.AssetKey(f"raw_{table}")


READ_COPY = dg.AssetKey("read_copy")  # the published copy readers open (read_copy.py)
