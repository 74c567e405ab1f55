"""The demo municipality Exempelkommun as a user of the generated files would check it.

The files are read with the naive helpers in `sie_helpers`, never with the project's own
readers: those are to be tested against this generator, not the other way round.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from decimal import Decimal
from functools import cache
from pathlib import Path

import pytest
from sie_helpers import (
    SieFile,
    Trans,
    Voucher,
    decimal_comma,
    object_dict,
    parse_sie,
    read_csv,
    read_lines,
    tokenize,
)

from pipelines.demo.defects import HR_DEFECTS, LEDGER_DEFECTS
from pipelines.demo.generator import GenerationSummary, generate, layout

YEAR = 2025  # what the conftest fixtures generate
LAYOUT = layout(YEAR)
MONTHS = range(1, 13)
PAYROLL_ACCOUNTS = {"5011", "5031", "5111", "5121", "5611", "5711"}
INTERNAL_COUNTERPARTS = {"1", "2", "3", "4"}
ORE = Decimal("0.01")
DEFECTS_HEADER = ["defect_id", "rule", "file", "line", "series", "voucher_number",
                  "record_key", "description"]
ORG_LEVELS = ["kommun", "nämnd", "sektor", "verksamhet", "enhet"]
ALL_RULES = [*LEDGER_DEFECTS, *HR_DEFECTS]


def rel_path(key: str, month: int | None = None) -> str:
    """Where `layout` puts a file; monthly files are patterns with {year} and {period}."""
    period = f"{YEAR}-{month:02d}" if month else ""
    return LAYOUT[key].format(year=YEAR, period=period)


def ledger_rel(month: int) -> str:
    return rel_path("ledger_month", month)


def hr_rel(month: int) -> str:
    return rel_path("hr_month", month)


def ymd(text: str) -> dt.date:
    return dt.datetime.strptime(text, "%Y%m%d").date()


def iso(text: str) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def month_end(year: int, month: int) -> dt.date:
    return dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)


def sha256_tree(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*")) if p.is_file()
    }


def luhn_ok(digits: str) -> bool:
    """Luhn check over a whole number, check digit included (weights 2, 1, 2, 1, ...)."""
    total = 0
    for i, ch in enumerate(digits):
        product = int(ch) * (2 if i % 2 == 0 else 1)
        total += product // 10 + product % 10
    return total % 10 == 0


class Dataset:
    """One generated folder, with each file parsed at most once."""

    def __init__(self, summary: GenerationSummary):
        assert summary.year == YEAR
        self.root = summary.out
        self.summary = summary
        self.sie = cache(lambda rel: parse_sie(self.root / rel))
        self.hr = cache(lambda month: read_csv(self.root / hr_rel(month)))

    def ledger(self, month: int) -> SieFile:
        return self.sie(ledger_rel(month))

    def ledger_rows(self) -> Iterator[tuple[str, Voucher, Trans]]:
        for month in MONTHS:
            for voucher, row in self.ledger(month).trans():
                yield ledger_rel(month), voucher, row

    @property
    def defects(self) -> list[dict[str, str]]:
        return read_csv(self.root / rel_path("defects"), delimiter=",")

    def listed(self, rule: str) -> set[tuple[str, int]]:
        return {(d["file"], int(d["line"])) for d in self.defects if d["rule"] == rule}

    @property
    def org(self) -> list[dict[str, str]]:
        return read_csv(self.root / rel_path("org_register"))

    @property
    def chart(self) -> dict[str, dict[str, str]]:
        return {r["konto"]: r for r in read_csv(self.root / rel_path("chart"))}

    def unit_periods(self) -> dict[str, list[tuple[dt.date, dt.date]]]:
        periods: dict[str, list[tuple[dt.date, dt.date]]] = defaultdict(list)
        for r in self.org:
            if r["niva"] == "enhet":
                periods[r["kod"]].append((iso(r["giltig_fran"]),
                                          iso(r["giltig_till"]) or dt.date.max))
        return periods


@pytest.fixture(scope="module")
def small(demo_small: GenerationSummary) -> Dataset:
    return Dataset(demo_small)


@pytest.fixture(scope="module")
def clean(demo_small_clean: GenerationSummary) -> Dataset:
    return Dataset(demo_small_clean)


# --- what breaks each quality rule: (file, line) of every offending row ---------------------


def undeclared_accounts(ds: Dataset) -> set[tuple[str, int]]:
    return {(rel, t.line) for rel, _, t in ds.ledger_rows()
            if t.account not in ds.sie(rel).accounts}


def summary_or_blocked_accounts(ds: Dataset) -> set[tuple[str, int]]:
    chart = ds.chart
    forbidden = {a for a, r in chart.items() if "J" in (r["summakonto"], r["sparrad"])}
    return {(rel, t.line) for rel, _, t in ds.ledger_rows() if t.account in forbidden}


def invalid_ansvar(ds: Dataset) -> set[tuple[str, int]]:
    periods = ds.unit_periods()

    def valid(code: str, day: dt.date) -> bool:
        return any(start <= day <= end for start, end in periods.get(code, []))

    return {(rel, t.line) for rel, v, t in ds.ledger_rows()
            if "1" in t.objects and not valid(t.objects["1"], ymd(v.date))}


def missing_dimensions(ds: Dataset) -> set[tuple[str, int]]:
    chart = ds.chart
    found = set()
    for rel, _, t in ds.ledger_rows():
        account = chart.get(t.account)
        if account is None:
            continue
        if ((account["kraver_motpart"] == "J" and "21" not in t.objects)
                or (account["kraver_projekt"] == "J" and "6" not in t.objects)):
            found.add((rel, t.line))
    return found


def unbalanced_vouchers(ds: Dataset) -> set[tuple[str, int]]:
    return {(ledger_rel(m), v.line) for m in MONTHS for v in ds.ledger(m).vouchers
            if v.total() != 0}


def duplicate_vouchers(ds: Dataset) -> set[tuple[str, int]]:
    """Every later #VER with a series and number seen before in the year."""
    seen: set[tuple[str, str]] = set()
    found = set()
    for m in MONTHS:
        for v in ds.ledger(m).vouchers:
            key = (v.series, v.number)
            if key in seen:
                found.add((ledger_rel(m), v.line))
            seen.add(key)
    return found


def dates_outside_year(ds: Dataset) -> set[tuple[str, int]]:
    return {(ledger_rel(m), v.line) for m in MONTHS for v in ds.ledger(m).vouchers
            if ymd(v.date).year != YEAR}


def row_key(t: Trans, sign: int = 1) -> tuple:
    return t.account, tuple(sorted(t.objects.items())), sign * t.amount


def find_reversal(later: SieFile, voucher: Voucher) -> Voucher | None:
    """The voucher in `later` whose rows are exactly the negated rows of `voucher`."""
    wanted = sorted(row_key(t, -1) for t in voucher.rows)
    return next((v for v in later.vouchers if sorted(row_key(t) for t in v.rows) == wanted),
                None)


def accruals(ds: Dataset, month: int) -> list[Voucher]:
    """PER vouchers dated on the last day of the month."""
    last = month_end(YEAR, month)
    return [v for v in ds.ledger(month).vouchers if v.series == "PER" and ymd(v.date) == last]


def unreversed_accruals(ds: Dataset) -> set[tuple[str, int]]:
    # December's accruals are reversed in next year's first file, which is not generated
    return {(ledger_rel(m), v.line) for m in range(2, 12, 2) for v in accruals(ds, m)
            if find_reversal(ds.ledger(m + 1), v) is None}


def hr_rows_of_month(ds: Dataset, month: int) -> Iterator[tuple[str, int, dict[str, str]]]:
    for i, row in enumerate(ds.hr(month)):
        yield hr_rel(month), i + 2, row  # the header is line 1


def hr_rows(ds: Dataset) -> Iterator[tuple[str, int, dict[str, str]]]:
    for m in MONTHS:
        yield from hr_rows_of_month(ds, m)


def hr_rate_out_of_range(ds: Dataset) -> set[tuple[str, int]]:
    return {(rel, line) for rel, line, r in hr_rows(ds)
            if not 0 < int(r["Sysselsättningsgrad (%)"]) <= 100}


def hr_sick_over_scheduled(ds: Dataset) -> set[tuple[str, int]]:
    return {(rel, line) for rel, line, r in hr_rows(ds)
            if decimal_comma(r["Sjukfrånvaro (tim)"]) > decimal_comma(r["Schemalagd tid (tim)"])}


def hr_unknown_unit(ds: Dataset) -> set[tuple[str, int]]:
    units = {r["kod"] for r in ds.org if r["niva"] == "enhet"}
    return {(rel, line) for rel, line, r in hr_rows(ds) if r["Enhet"] not in units}


VIOLATIONS: dict[str, Callable[[Dataset], set[tuple[str, int]]]] = {
    "kontering.account_exists": undeclared_accounts,
    "kontering.no_summary_or_blocked_account": summary_or_blocked_accounts,
    "kontering.ansvar_valid": invalid_ansvar,
    "kontering.required_dimensions": missing_dimensions,
    "kontering.voucher_balances": unbalanced_vouchers,
    "kontering.no_duplicate_voucher": duplicate_vouchers,
    "periodisering.booking_date_in_fiscal_year": dates_outside_year,
    "periodisering.accrual_reversed": unreversed_accruals,
    "hr.employment_rate_range": hr_rate_out_of_range,
    "hr.sick_hours_within_scheduled": hr_sick_over_scheduled,
    "hr.unit_valid": hr_unknown_unit,
}


# --- the test helpers themselves -----------------------------------------------------------


def test_tokenizer_reads_quotes_escapes_and_object_lists():
    line = '#VER LF 12 20250105 "Firma \\"Bygg\\" AB" 20250107'
    assert tokenize(line) == ["#VER", "LF", "12", "20250105", 'Firma "Bygg" AB', "20250107"]
    assert tokenize('#TRANS 6421 {1 "121101" 21 "84"} -4681.61') == [
        "#TRANS", "6421", ["1", "121101", "21", "84"], "-4681.61"]
    assert tokenize('#TRANS 1930 {} 1.00') == ["#TRANS", "1930", [], "1.00"]
    with pytest.raises(ValueError):
        tokenize('#VER A 1 20250101 "unterminated')


def test_luhn_helper_knows_a_valid_personnummer():
    assert luhn_ok("8112189876")
    assert not luhn_ok("8112189875")


# --- 1. determinism ------------------------------------------------------------------------


def test_same_seed_gives_byte_identical_files(small: Dataset, tmp_path: Path):
    generate(tmp_path, size="small", seed=small.summary.seed, year=YEAR)
    assert sha256_tree(tmp_path) == sha256_tree(small.root)


def test_other_seed_gives_another_ledger(small: Dataset, tmp_path: Path):
    generate(tmp_path, size="small", seed=small.summary.seed + 1, year=YEAR)
    ours, theirs = sha256_tree(small.root), sha256_tree(tmp_path)
    same = [ledger_rel(m) for m in MONTHS if ours[ledger_rel(m)] == theirs[ledger_rel(m)]]
    assert same == []


def test_files_written_are_the_layout(small: Dataset):
    monthly = ("ledger_month", "hr_month", "goal_statuses")
    expected = {rel_path(k) for k in LAYOUT if k not in monthly}
    expected |= {ledger_rel(m) for m in MONTHS} | {hr_rel(m) for m in MONTHS}
    expected |= {rel_path("goal_statuses", m) for m in (4, 8, 12)}  # the tertials
    assert sorted(small.summary.files) == sorted(expected)
    # and Ekonomi's corrected re-exports of the months with defects, by the same paths
    corrections = {f"rattelser/{rel}" for rel in small.summary.corrections}
    assert corrections and {c[len("rattelser/"):] for c in corrections} <= expected
    assert set(sha256_tree(small.root)) == expected | corrections


# --- 2. SIE files are valid SIE 4 in CP437 ------------------------------------------------


def sie_files(ds: Dataset) -> list[str]:
    return [rel for rel in ds.summary.files if rel.endswith(".se")]


def test_sie_files_are_cp437_not_utf8(small: Dataset):
    assert len(sie_files(small)) == 12 + 1 + 2
    for rel in sie_files(small):
        raw = (small.root / rel).read_bytes()
        assert any(b > 127 for b in raw), rel  # the chart of accounts has å, ä and ö
        with pytest.raises(UnicodeDecodeError):
            raw.decode("utf-8")
        text = raw.decode("cp437")
        assert "Övriga kostnader" in text, rel  # Ö is 0x99 in CP437
        assert "Pågående ny- och ombyggnad" in text, rel


def test_sie_files_have_a_sie4_header(small: Dataset):
    for rel in sie_files(small):
        sie = small.sie(rel)
        file_year = YEAR - 1 if rel == rel_path("ledger_prior_year") else YEAR
        assert sie.lines[0].startswith("#FLAGGA"), rel
        assert sie.records("#FORMAT") == [["#FORMAT", "PC8"]], rel
        expected_type = "3" if rel.startswith("budget/") else "4"
        assert sie.records("#SIETYP") == [["#SIETYP", expected_type]], rel
        rar0 = [r for r in sie.records("#RAR") if r[1] == "0"]
        assert rar0 == [["#RAR", "0", f"{file_year}0101", f"{file_year}1231"]], rel
        assert len(sie.accounts) > 50, rel


AMOUNT = re.compile(r"-?\d+(\.\d{1,2})?")
DATE = re.compile(r"\d{8}")


def bad_date(text: str) -> bool:
    if not DATE.fullmatch(text):
        return True
    try:
        ymd(text)
    except ValueError:
        return True
    return False


def record_problems(n: int, line: str, in_voucher: bool) -> list[str]:
    """What a record line (not a brace) breaks, as 'line: why'."""
    tokens = tokenize(line)
    label = tokens[0]
    if label == "#TRANS":
        return ([f"{n}: #TRANS outside a voucher"] if not in_voucher else []) + \
            ([f"{n}: amount {tokens[3]!r}"] if not AMOUNT.fullmatch(tokens[3]) else [])
    if label == "#VER":
        return ([f"{n}: #VER inside a voucher"] if in_voucher else []) + \
            [f"{n}: date {d!r}" for d in (tokens[3], *tokens[5:6]) if bad_date(d)]
    if label == "#PBUDGET":
        period = tokens[2]
        month_ok = re.fullmatch(r"\d{6}", period) and 1 <= int(period[4:]) <= 12
        return ([f"{n}: period {period!r}"] if not month_ok else []) + \
            ([f"{n}: amount {tokens[5]!r}"] if not AMOUNT.fullmatch(tokens[5]) else [])
    if label in ("#RAR", "#GEN"):
        dates = tokens[2:4] if label == "#RAR" else tokens[1:2]
        return [f"{n}: date {d!r}" for d in dates if bad_date(d)]
    return []


def structure_problems(lines: list[str]) -> list[str]:
    """Lines that break the SIE 4 structure, as 'line: why'."""
    problems = []
    in_voucher = False
    previous = ""
    for n, line in enumerate(lines, start=1):
        if line[:1] not in ("#", "{", "}"):
            problems.append(f"{n}: does not start with #, {{ or }}")
            continue
        if line == "{":
            if in_voucher or not previous.startswith("#VER "):
                problems.append(f"{n}: '{{' not right after a #VER")
            in_voucher = True
        elif line == "}":
            if not in_voucher:
                problems.append(f"{n}: '}}' without '{{'")
            in_voucher = False
        else:
            problems += record_problems(n, line, in_voucher)
        previous = line
    if in_voucher:
        problems.append("end of file inside a voucher")
    return problems


def test_sie_lines_are_well_formed(small: Dataset):
    for rel in sie_files(small):
        lines = read_lines(small.root / rel)
        problems = structure_problems(lines)
        assert problems == [], f"{rel}: {problems[:10]}"
    # the checker is not blind
    assert structure_problems(["#VER A 1 20251301 \"x\"", "{", "#TRANS 1 {} 1.005", "x"]) == [
        "1: date '20251301'", "3: amount '1.005'", "4: does not start with #, { or }",
        "end of file inside a voucher"]


def test_other_exports_use_their_encodings(small: Dataset):
    raw = (small.root / rel_path("investment_budget")).read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    assert raw.decode("iso-8859-1").startswith("Projekt;Projektnamn;Ansvar;Konto;Budget helår")
    hr = (small.root / hr_rel(1)).read_bytes().decode("utf-8")
    assert hr.startswith("Period;Personnummer;Namn;Kön;Födelseår;Enhet")


# --- 3. every voucher balances, except the injected ones ------------------------------------


def test_vouchers_balance_except_the_listed_ones(small: Dataset):
    rels = [ledger_rel(m) for m in MONTHS] + [rel_path("ledger_prior_year")]
    unbalanced = {(rel, v.line): v.total() for rel in rels for v in small.sie(rel).vouchers
                  if v.total() != 0}
    listed = [d for d in small.defects if d["rule"] == "kontering.voucher_balances"]
    assert listed
    assert set(unbalanced) == {(d["file"], int(d["line"])) for d in listed}
    for d in listed:  # "differens 7400.00 kr"
        stated = Decimal(re.search(r"differens (-?[\d.]+) kr", d["description"]).group(1))
        assert unbalanced[(d["file"], int(d["line"]))] == stated


# --- 4. defects.csv is the truth about what was injected -----------------------------------


def test_defects_csv_lists_every_rule(small: Dataset):
    rows = small.defects
    with (small.root / rel_path("defects")).open(encoding="utf-8") as f:
        assert f.readline().rstrip("\n").split(",") == DEFECTS_HEADER
    assert [int(d["defect_id"]) for d in rows] == list(range(1, len(rows) + 1))
    assert small.summary.defects == len(rows)
    assert {d["rule"] for d in rows} == set(ALL_RULES)
    assert set(VIOLATIONS) == set(ALL_RULES)


@pytest.mark.parametrize("rule", ALL_RULES)
def test_listed_defect_is_in_the_file(small: Dataset, rule: str):
    listed = small.listed(rule)
    assert listed, f"no {rule} injected"
    assert listed <= VIOLATIONS[rule](small)


@pytest.mark.parametrize("rule", ALL_RULES)
def test_no_unlisted_defect(small: Dataset, rule: str):
    unlisted = VIOLATIONS[rule](small) - small.listed(rule)
    assert sorted(unlisted) == []


def test_ledger_defects_name_their_voucher(small: Dataset):
    for d in small.defects:
        if d["rule"] not in LEDGER_DEFECTS:
            continue
        sie = small.sie(d["file"])
        line = int(d["line"])
        voucher = max((v for v in sie.vouchers if v.line <= line), key=lambda v: v.line)
        assert (voucher.series, voucher.number) == (d["series"], d["voucher_number"]), d
        kind = sie.lines[line - 1].split(" ", 1)[0]
        voucher_level = ("kontering.voucher_balances", "kontering.no_duplicate_voucher",
                         "periodisering.booking_date_in_fiscal_year",
                         "periodisering.accrual_reversed")
        assert kind == ("#VER" if d["rule"] in voucher_level else "#TRANS"), d


def test_duplicate_voucher_is_the_same_voucher_again(small: Dataset):
    for rel, line in small.listed("kontering.no_duplicate_voucher"):
        sie = small.sie(rel)
        again = sie.voucher_at(line)
        first = [v for v in sie.vouchers if (v.series, v.number) == (again.series, again.number)]
        assert len(first) == 2 and first[1] is again
        assert [row_key(t) for t in first[0].rows] == [row_key(t) for t in again.rows]


def test_unreversed_accrual_is_an_accrual(small: Dataset):
    for rel, line in small.listed("periodisering.accrual_reversed"):
        v = small.sie(rel).voucher_at(line)
        day = ymd(v.date)
        assert v.series == "PER" and day.month % 2 == 0 and day == month_end(YEAR, day.month)


def test_hr_defects_name_their_row(small: Dataset):
    for d in small.defects:
        if d["rule"] not in HR_DEFECTS:
            continue
        month = {hr_rel(m): m for m in MONTHS}[d["file"]]
        line = int(d["line"])
        row = small.hr(month)[line - 2]
        assert row["Period"] == f"{YEAR}-{month:02d}"
        assert d["record_key"] == f"period={row['Period']};rad={line}"


def test_clean_defects_csv_has_only_the_header(clean: Dataset):
    text = (clean.root / rel_path("defects")).read_text(encoding="utf-8")
    assert text == ",".join(DEFECTS_HEADER) + "\n"
    assert clean.summary.defects == 0


@pytest.mark.parametrize("rule", ALL_RULES)
def test_clean_dataset_breaks_no_rule(clean: Dataset, rule: str):
    assert sorted(VIOLATIONS[rule](clean)) == []


def test_clean_dataset_is_as_large_as_the_other(small: Dataset, clean: Dataset):
    # the clean data is not clean by being empty
    assert clean.summary.ledger_rows > 0.95 * small.summary.ledger_rows
    assert clean.summary.hr_rows == small.summary.hr_rows


# --- 5. personnummer ------------------------------------------------------------------------


def test_personnummer_are_valid(small: Dataset):
    people: dict[str, tuple[str, str, str]] = {}
    for rel, line, r in hr_rows(small):
        pnr = r["Personnummer"]
        where = f"{rel}:{line} {pnr}"
        assert re.fullmatch(r"\d{8}-\d{4}", pnr), where
        ymd(pnr[:8])  # a real date
        ten = pnr[2:8] + pnr[9:]
        assert luhn_ok(ten), where
        assert int(ten[8]) % 2 == (1 if r["Kön"] == "M" else 0), where
        assert r["Kön"] in ("K", "M"), where
        assert r["Födelseår"] == pnr[:4], where
        person = (r["Namn"], r["Kön"], r["Födelseår"])
        assert people.setdefault(pnr, person) == person, where
    assert len(people) == small.summary.employees


# --- 6. organisation ------------------------------------------------------------------------


def test_organisation_has_five_levels_and_a_move(small: Dataset):
    rows = small.org
    level_of = {r["kod"]: r["niva"] for r in rows}
    assert sorted(set(level_of.values()), key=ORG_LEVELS.index) == ORG_LEVELS
    assert [r["kod"] for r in rows if r["niva"] == "kommun"] == ["1"]
    for r in rows:
        if r["niva"] == "kommun":
            assert r["overordnad_kod"] == ""
            continue
        parent_level = level_of.get(r["overordnad_kod"])
        assert parent_level is not None, f"{r['kod']}: parent {r['overordnad_kod']} missing"
        assert ORG_LEVELS.index(parent_level) == ORG_LEVELS.index(r["niva"]) - 1, r["kod"]

    by_code: dict[str, list[dict[str, str]]] = defaultdict(list)
    for r in rows:
        by_code[r["kod"]].append(r)
    moves = []
    for code, versions in by_code.items():
        versions.sort(key=lambda r: r["giltig_fran"])
        for before, after in zip(versions, versions[1:], strict=False):
            if (before["overordnad_kod"] != after["overordnad_kod"]
                    and iso(before["giltig_till"]) + dt.timedelta(days=1)
                    == iso(after["giltig_fran"])):
                moves.append(code)
    assert moves, "no unit changes parent during the year"
    assert len({r["kod"] for r in rows if r["niva"] == "enhet"}) == small.summary.units


# --- 7. seasonality a controller would notice -----------------------------------------------


def totals_by_month(ds: Dataset, account: str) -> dict[int, Decimal]:
    return {m: sum((t.amount for _, t in ds.ledger(m).trans() if t.account == account),
                   Decimal(0)) for m in MONTHS}


def test_holiday_pay_peaks_in_july(small: Dataset):
    totals = totals_by_month(small, "5111")
    july = totals.pop(7)
    assert july > 0
    assert july > 5 * max(totals.values())


def test_internal_rent_is_charged_quarterly(small: Dataset):
    opened = {r["kod"]: int(r["giltig_fran"][5:7]) for r in small.org
              if r["giltig_fran"].startswith(str(YEAR))}
    for m in MONTHS:
        payers = {t.objects.get("1") for _, t in small.ledger(m).trans() if t.account == "6111"}
        if m in (1, 4, 7, 10):
            assert len(payers) > 10, m
        else:  # only a unit that opens this month pays its first rent now
            assert payers <= {code for code, month in opened.items() if month == m}, m
    assert any(m not in (1, 4, 7, 10) for m in opened.values())


def test_internal_purchases_net_to_zero_each_month(small: Dataset):
    for m in MONTHS:
        internal = [t.amount for _, t in small.ledger(m).trans()
                    if t.objects.get("21") in INTERNAL_COUNTERPARTS]
        assert len(internal) > 10, m
        assert sum(internal, Decimal(0)) == 0, m


def test_accruals_are_reversed_on_the_first_of_next_month(small: Dataset):
    unreversed = small.listed("periodisering.accrual_reversed")
    for m in range(2, 12, 2):
        booked = [v for v in accruals(small, m) if (ledger_rel(m), v.line) not in unreversed]
        assert booked, f"no accruals at the end of month {m}"
        for v in booked:
            reversal = find_reversal(small.ledger(m + 1), v)
            assert reversal is not None, f"{ledger_rel(m)}:{v.line} not reversed"
            assert ymd(reversal.date) == dt.date(YEAR, m + 1, 1)


# --- 8. HR and ledger agree on personnel cost ----------------------------------------------


def test_personnel_cost_in_hr_matches_payroll_in_ledger(small: Dataset):
    altered = small.listed("hr.unit_valid")
    assert altered
    compared = 0
    for m in MONTHS:
        ledger: Counter[str] = Counter()
        for _, t in small.ledger(m).trans():
            if t.account in PAYROLL_ACCOUNTS:
                ledger[t.objects["1"]] += t.amount
        hr: Counter[str] = Counter()
        rows_per_unit: Counter[str] = Counter()
        altered_cost = Decimal(0)
        n_altered = 0
        for rel, line, r in hr_rows_of_month(small, m):
            cost = decimal_comma(r["Personalkostnad (kr)"])
            if (rel, line) in altered:  # its real unit is unknown
                altered_cost += cost
                n_altered += 1
                continue
            hr[r["Enhet"]] += cost
            rows_per_unit[r["Enhet"]] += 1
        differences = {}
        for unit in set(ledger) | set(hr):
            compared += 1
            diff = ledger[unit] - hr[unit]
            # HR gives the cost of each row in öre: allow one öre of rounding per row
            if abs(diff) > ORE * max(1, rows_per_unit[unit]):
                differences[unit] = diff
        # what differs is the cost of the rows whose unit code was altered
        assert len(differences) <= n_altered, (m, differences)
        unexplained = sum(differences.values(), Decimal(0)) - altered_cost
        assert abs(unexplained) <= ORE * max(1, n_altered), (m, differences, altered_cost)
    assert compared > 12 * 30


# --- 9. sizes and the summary ----------------------------------------------------------------


def count_lines(ds: Dataset, rels: list[str], label: str) -> int:
    return sum(1 for rel in rels for ln in read_lines(ds.root / rel)
               if ln.split(" ", 1)[0] == label)


def test_small_has_about_20k_ledger_rows(small: Dataset):
    rows = count_lines(small, [ledger_rel(m) for m in MONTHS], "#TRANS")
    assert 15_000 <= rows <= 30_000


def check_summary_counts(ds: Dataset) -> None:
    s = ds.summary
    assert s.prior_year_rows == count_lines(ds, [rel_path("ledger_prior_year")], "#TRANS")
    investment_rows = read_csv(ds.root / rel_path("investment_budget"), encoding="iso-8859-1")
    assert s.budget_lines == count_lines(
        ds, [rel_path("budget_adopted"), rel_path("budget_revised")], "#PBUDGET"
    ) + len(investment_rows)
    assert s.hr_rows == sum(len(ds.hr(m)) for m in MONTHS)
    assert s.defects == len(ds.defects)


def check_ledger_counts(ds: Dataset) -> None:
    rels = [ledger_rel(m) for m in MONTHS]
    assert (ds.summary.vouchers, ds.summary.ledger_rows) == (
        count_lines(ds, rels, "#VER"), count_lines(ds, rels, "#TRANS"))


def test_summary_counts_match_the_files(small: Dataset):
    check_summary_counts(small)


def test_summary_ledger_counts_match_the_files(small: Dataset):
    check_ledger_counts(small)


def test_clean_summary_counts_match_the_files(clean: Dataset):
    check_summary_counts(clean)
    check_ledger_counts(clean)


# --- 5. Ekonomi's corrected re-exports -------------------------------------------------------


@pytest.fixture(scope="module")
def corrected(small: Dataset, tmp_path_factory) -> Dataset:
    """The demo's sources after Ekonomi has delivered its corrections in place of the
    defective months (what `uppfoljning demo` does before its second run)."""
    import dataclasses
    import shutil

    from pipelines.demo_cli import deliver_corrections

    root = tmp_path_factory.mktemp("rattade")
    shutil.copytree(small.root, root, dirs_exist_ok=True)
    first = deliver_corrections(root, small.summary.corrections, None)
    assert first == f"{YEAR}-01"
    return Dataset(dataclasses.replace(small.summary, out=root))


def test_every_month_with_a_defect_gets_a_corrected_export(small: Dataset):
    # an unreversed accrual is right in its own month; the reversal the month after is added
    accrual = "periodisering.accrual_reversed"
    defective = {d["file"] for d in small.defects if d["rule"] != accrual}
    after = {ledger_rel(int(d["file"][-5:-3]) + 1) for d in small.defects
             if d["rule"] == accrual}
    assert set(small.summary.corrections) == (defective | after) - {rel_path("ledger_prior_year")}
    for rel in small.summary.corrections:
        assert (small.root / "rattelser" / rel).is_file()


@pytest.mark.parametrize("rule", ALL_RULES)
def test_the_corrected_exports_break_no_rule(corrected: Dataset, rule: str):
    assert sorted(VIOLATIONS[rule](corrected)) == []


def test_a_correction_changes_only_the_defective_vouchers(small: Dataset, corrected: Dataset):
    """Everything that was right stays as delivered: the same vouchers, rows and amounts."""
    for month in MONTHS:
        before = {(v.series, v.number): v for v in small.ledger(month).vouchers}
        after = {(v.series, v.number): v for v in corrected.ledger(month).vouchers}
        listed = {(d["series"], d["voucher_number"]) for d in small.defects
                  if d["file"] == ledger_rel(month) and d["series"]}
        for key, voucher in before.items():
            if key not in listed:
                assert key in after, key
                assert after[key].total() == voucher.total(), key
        added = set(after) - set(before)
        assert all(series == "RT" for series, _ in added), added


# --- 10. the proportions of a real kommun (docs/source-files.md, Proportions) ---------------


def income_statement(rows: Iterator[tuple[str, dict[str, str], Decimal]]) -> dict[str, Decimal]:
    """The resultaträkning's lines of `rows` (account, objects, amount in ledger sign):
    classes 3-8 without internal items (motpart 1-4), each line with its usual sign."""
    lines: Counter[str] = Counter()
    for account, objects, amount in rows:
        if account[:1] not in "345678" or objects.get("21") in INTERNAL_COUNTERPARTS:
            continue
        if account[0] == "3":
            lines["revenue"] -= amount
        elif account[:2] == "79":
            lines["depreciation"] += amount
        elif account[0] in "4567":
            lines["costs"] += amount
            if account[0] == "5":
                lines["personnel"] += amount
        elif account[:2] in ("80", "81", "82"):
            lines["taxes_and_grants"] -= amount
        lines["result"] -= amount
    return lines


def ledger_amounts(ds: Dataset, rels: list[str], board: str | None = None
                   ) -> Iterator[tuple[str, dict[str, str], Decimal]]:
    for rel in rels:
        for _, t in ds.sie(rel).trans():
            if board is None or t.objects.get("1", "").startswith(board):
                yield t.account, t.objects, t.amount


def budget_amounts(ds: Dataset, board: str | None = None
                   ) -> Iterator[tuple[str, dict[str, str], Decimal]]:
    for _, _, _, account, objects, amount in ds.sie(rel_path("budget_adopted")).records(
            "#PBUDGET"):
        objects = object_dict(objects)
        if board is None or objects.get("1", "").startswith(board):
            yield account, objects, Decimal(amount)


def this_year(ds: Dataset, board: str | None = None) -> dict[str, Decimal]:
    return income_statement(ledger_amounts(ds, [ledger_rel(m) for m in MONTHS], board))


def test_revenues_are_about_a_fifth_of_the_gross_costs(small: Dataset):
    """Verksamhetens intäkter (avgifter, hyror, bidrag, försäljning) against verksamhetens
    kostnader, this year and last, as a kommun's resultaträkning has them."""
    last_year = income_statement(ledger_amounts(small, [rel_path("ledger_prior_year")]))
    for year in (this_year(small), last_year, income_statement(budget_amounts(small))):
        assert 0.15 <= year["revenue"] / year["costs"] <= 0.25, year


def test_personnel_is_about_three_fifths_of_the_gross_costs(small: Dataset):
    year = this_year(small)
    assert 0.55 <= year["personnel"] / year["costs"] <= 0.65, year
    assert 0.03 <= year["depreciation"] / year["costs"] <= 0.07, year


def test_boards_have_the_revenues_of_what_they_do(small: Dataset):
    kommun = this_year(small)
    share = {board: year["revenue"] / year["costs"]
             for board in ("12", "13", "14", "16") for year in [this_year(small, board)]}
    # schools and care charge little of what they cost; water, waste and permits much
    assert share["12"] < kommun["revenue"] / kommun["costs"] < share["14"] < share["16"]
    booked = {(t.objects["1"][:2], t.account) for _, _, t in small.ledger_rows()
              if t.account[0] == "3" and "1" in t.objects}
    assert {("12", "3111"), ("12", "3411"), ("13", "3121"), ("13", "3411"),
            ("14", "3141")} <= booked


def test_the_result_is_a_small_surplus_of_skatter_och_bidrag(small: Dataset):
    last_year = income_statement(ledger_amounts(small, [rel_path("ledger_prior_year")]))
    for year in (this_year(small), last_year, income_statement(budget_amounts(small))):
        assert 0.01 <= year["result"] / year["taxes_and_grants"] <= 0.03, year


def test_boards_keep_close_to_their_budget(small: Dataset):
    """A few per cent, not tens: each board's net cost against its adopted budget."""
    deviations = {}
    for board in ("11", "12", "13", "14", "15", "16"):
        outcome = this_year(small, board)
        budget = income_statement(budget_amounts(small, board))
        deviations[board] = (budget["result"] - outcome["result"]) / outcome["costs"]
    assert all(abs(d) <= 0.05 for d in deviations.values()), deviations


def test_sick_leave_is_as_in_a_kommuns_annual_report(small: Dataset):
    """Sjukfrånvaro as % of scheduled time: 6-8 % in all, women's above men's, the group of
    50 and over highest, 60 days or more some two fifths to half of it."""
    scheduled: Counter[str] = Counter()
    sick: Counter[str] = Counter()
    long = Decimal(0)
    for _, _, r in hr_rows(small):
        age = YEAR - int(r["Födelseår"])
        group = "-29" if age <= 29 else "30-49" if age <= 49 else "50-"
        for key in ("all", r["Kön"], group):
            scheduled[key] += decimal_comma(r["Schemalagd tid (tim)"])
            sick[key] += decimal_comma(r["Sjukfrånvaro (tim)"])
        long += decimal_comma(r["Varav sjukfrånvaro 60 dagar eller mer (tim)"])
    pct = {key: 100 * sick[key] / scheduled[key] for key in scheduled}
    assert 6 <= pct["all"] <= 8, pct
    assert pct["K"] > pct["M"], pct
    assert pct["50-"] > max(pct["30-49"], pct["-29"]), pct
    assert 0.35 <= long / sick["all"] <= 0.55, long / sick["all"]
