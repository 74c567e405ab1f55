"""Quality area: checks on the loaded data that must pass before anyone analyses it.

The organisation tree is checked here; the kontering, periodisering and HR suites of
expectations/ run as checks on the ledger and HR assets.
"""

import dagster as dg

from pipelines.defs.ingest import org_units
from pipelines.defs.keys import raw_key
from pipelines.defs.ownership import EKONOMI, QUALITY_KINDS
from pipelines.ingest.loaders import LEVELS
from pipelines.partitions import Partitions, months_of
from pipelines.quality.reconciliation import reconciliation_differences
from pipelines.resources import WAREHOUSE_POOL, Settings, Warehouse


def org_tree_problems(rows: list[tuple]) -> list[str]:
    """Problems of an org register: (code, level, parent, valid_from, valid_to) rows."""
    rank = {level: i for i, level in enumerate(LEVELS)}
    by_code: dict[str, list[tuple]] = {}
    for r in rows:
        by_code.setdefault(r[0], []).append(r)
    problems = []
    roots = [r for r in rows if r[1] == LEVELS[0]]
    if len(roots) != 1:
        problems.append(f"{len(roots)} units at level {LEVELS[0]}, expected exactly one")
    for code, level, parent, valid_from, valid_to in rows:
        if level == LEVELS[0]:
            continue
        parents = [p for p in by_code.get(parent or "", [])
                   if p[3] <= (valid_to or p[3]) and (p[4] is None or valid_from is None
                                                      or p[4] >= valid_from)]
        if not parents:
            problems.append(f"{code}: parent {parent or '(none)'} does not exist while valid")
        elif rank[parents[0][1]] != rank[level] - 1:
            problems.append(f"{code} ({level}): parent {parent} is a {parents[0][1]}")
    for code, versions in by_code.items():
        versions = sorted(versions, key=lambda r: r[3])
        for a, b in zip(versions, versions[1:], strict=False):
            if a[4] is None or a[4] >= b[3]:
                problems.append(f"{code}: validity periods overlap ({a[3]} and {b[3]})")
    return problems

@dg.asset_check(asset=org_units, blocking=True, pool=WAREHOUSE_POOL,
                description="Organisationsträdet: one kommun, every parent exists one level "
                            "up while the unit is valid, no overlapping validity. Blocking: "
                            "on a broken tree every level's roll-up would be wrong.")
def org_tree_is_valid(warehouse: Warehouse) -> dg.AssetCheckResult:
    with warehouse.connect(read_only=True) as con:
        rows = con.execute("SELECT code, level, parent_code, coalesce(valid_from, "
                           "DATE '1900-01-01'), valid_to FROM raw.org_units").fetchall()
    problems = org_tree_problems(rows)
    return dg.AssetCheckResult(passed=not problems, metadata={
        "units": len(rows), "problems": len(problems), "first_problems": "\n".join(problems[:20])})

FOLLOW_UP = dg.AssetKey(["marts", "budget_follow_up"])

@dg.asset_check(asset=FOLLOW_UP, blocking=True, pool=WAREHOUSE_POOL,
                description="Avstämning, every period: per period and account the marts hold "
                            "exactly what the ledger holds, and the kommun total of "
                            "budget_follow_up equals the ledger's result accounts year to "
                            "date. Blocking: no package is made from data that does not "
                            "reconcile.")
def ledger_reconciles(warehouse: Warehouse) -> dg.AssetCheckResult:
    with warehouse.connect(read_only=True) as con:
        differences = reconciliation_differences(con)
    return dg.AssetCheckResult(passed=not differences, metadata={
        "differences": len(differences), "first_differences": "\n".join(differences[:20])})


QUALITY_ISSUES = dg.AssetKey(["quality", "issues"])


def run_quality(context: dg.AssetExecutionContext, settings: Settings,
                warehouse: Warehouse) -> dg.MaterializeResult:
    from pipelines.quality.run import GxRunner, Outcome, run_suite, store
    from pipelines.quality.suites import load_suites

    suites = load_suites()
    months = months_of(context)
    outcome = Outcome()
    docs = settings.load().reports_path / "datakvalitet"
    runner = GxRunner(docs_dir=docs)
    with warehouse.connect() as con:
        for suite in suites:
            for month in months:  # the whole-warehouse scans once, with the last month
                outcome.extend(run_suite(con, suite, month, include_scans=month == months[-1],
                                         runner=runner))
        log = store(con, outcome, suites, months)
    runner.build_docs()
    by_rule: dict[str, int] = {}
    for issue in outcome.issues:
        by_rule[issue["rule"]] = by_rule.get(issue["rule"], 0) + 1
    return dg.MaterializeResult(metadata={
        "data_docs": dg.MetadataValue.path(str(docs / "index.html")),
        "issues": len(outcome.issues),
        "errors": sum(i["severity"] == "error" for i in outcome.issues),
        # the issue log (quality.issue_log): what this run found first, and what it corrected
        "issue_log new": log.new, "issue_log resolved": log.resolved,
        "issue_log reopened": log.reopened,
        **{f"rule {rule}": n for rule, n in sorted(by_rule.items())}})


def suite_check(suite_name: str, what: str, partitions: Partitions
                ) -> dg.AssetChecksDefinition:
    """A rule family's check for the months of its run: partitioned by month like
    quality/issues, so a one-month run's result belongs to that month; a range run (a
    backfill) counts the issues of every month in it. Non-blocking (docs/quality.md): the
    packages are held back per board, by the same issues."""

    @dg.asset_check(asset=QUALITY_ISSUES, name=suite_name, pool=WAREHOUSE_POOL,
                    partitions_def=partitions.monthly,
                    description=f"{what}: the error- and warning-level issues of the suite "
                                f"in the run's months (expectations/{suite_name}.yaml). Fails "
                                "with an error-level issue; the boards concerned get draft "
                                "packages, the others publish.")
    def check(context: dg.AssetCheckExecutionContext,
              warehouse: Warehouse) -> dg.AssetCheckResult:
        months = list(context.partition_keys)
        with warehouse.connect(read_only=True) as con:
            rows = con.execute(
                "select rule, severity, count(*) from quality.issues where suite = ? "
                "and period in (select unnest(?)) group by 1, 2 order by 1",
                [suite_name, months]).fetchall()
        errors = sum(n for _, severity, n in rows if severity == "error")
        return dg.AssetCheckResult(
            passed=errors == 0,
            severity=dg.AssetCheckSeverity.ERROR if errors else dg.AssetCheckSeverity.WARN,
            metadata={"months": ", ".join(months) if len(months) <= 3
                      else f"{months[0]} – {months[-1]}",
                      "errors": errors,
                      "warnings": sum(n for _, sev, n in rows if sev == "warn"),
                      **{rule: n for rule, _, n in rows}})

    return check


SUITES = {"kontering": "Kontering: konto, ansvar, dimensioner, balans, dubbletter, interna poster",
          "periodisering": "Periodisering: bokföringsdatum och återförda periodiseringar",
          "hr": "HR: sysselsättningsgrad, sjuktimmar och enhet",
          "leverans": "Leveranser: hela filer, inte långt färre rader än förra leveransen eller "
                      "föregående år, #IB förd till #UB"}


def build(partitions: Partitions) -> dg.Definitions:
    """The rule families over the config's months, and the checks on the loaded data."""

    @dg.asset(key=QUALITY_ISSUES, group_name="quality", pool=WAREHOUSE_POOL,
              owners=[EKONOMI], kinds=QUALITY_KINDS,
              partitions_def=partitions.monthly, backfill_policy=dg.BackfillPolicy.single_run(),
              deps=[raw_key("ledger_transactions"), raw_key("hr_employee_months"),
                    org_units, raw_key("accounts"), raw_key("account_balances")],
              description="Datakvalitet: the kontering, periodisering and HR suites of "
                          "expectations/ run on each month; every flagged row with file, line "
                          "and a message in Swedish (quality.issues), every run's results "
                          "(quality.check_results).")
    def quality_issues(context: dg.AssetExecutionContext, settings: Settings,
                       warehouse: Warehouse) -> dg.MaterializeResult:
        return run_quality(context, settings, warehouse)

    return dg.Definitions(assets=[quality_issues], asset_checks=[
        org_tree_is_valid, ledger_reconciles,
        *(suite_check(name, what, partitions) for name, what in SUITES.items())])
