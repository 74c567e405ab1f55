"""Öppna data: every published follow-up period also as an open-data release (docs/opendata.md).

- `content`: what is published, read from the marts and the issued packages (only what the
  published packages show, down to the configured public level);
- `descriptor`: the Frictionless Data Package descriptor with the Fiscal Data Package's
  budget semantics, titled from `reports/opendata.yaml`;
- `dcat`: the DCAT-AP-SE metadata dataportal.se harvests;
- `release`: the period's folder, written whole or not at all.
"""
