"""Quality area: checks on the loaded data that must pass before anyone analyses it.

The organisation tree is checked here; the kontering, periodisering and HR suites of
expectations/ run as checks on the ledger and HR assets.
"""

from collections import Counter
from collections.abc import Iterator

import dagster as dg

from pipelines.defs.ingest import org_units
from pipelines.defs.keys import raw_key
from pipelines.defs.ownership import EKONOMI, QUALITY_KINDS
from pipelines.partitions import Partitions, months_of
from pipelines.quality.org_tree import register_problems
from pipelines.quality.reconciliation import reconciliation_differences
from pipelines.resources import WAREHOUSE_POOL, Settings, Warehouse
from pipelines.warehouse_tables import has_table


@dg.asset_check(asset=org_units, pool=WAREHOUSE_POOL,
                description="Organisationsträdet: one kommun, every parent exists one level "
                            "up while the unit is valid, no overlapping validity. On a broken "
                            "tree every level's roll-up would be wrong: the dbt models are not "
                            "built (not run, their data unchanged) and the run ends with the "
                            "problems.")
def org_tree_is_valid(warehouse: Warehouse) -> dg.AssetCheckResult:
    with warehouse.connect(read_only=True) as con:
        units = con.execute("select count(*) from raw.org_units").fetchone()[0]
        problems = register_problems(con)
    return dg.AssetCheckResult(passed=not problems, metadata={
        "enheter": units, "problem": len(problems),
        "Resultat": "Organisationsträdet håller." if not problems else
        "Organisationsträdet är trasigt: modellerna byggs inte förrän registret är rättat.",
        "De första problemen": "\n".join(problems[:20])})

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


def months_to_recheck(con) -> list[str]:
    """The months the loads noted for the next quality run (raw.months_to_recheck)."""
    if not has_table(con, "raw", "months_to_recheck"):
        return []
    return sorted(m for (m,) in con.execute(
        "select distinct period from raw.months_to_recheck").fetchall())


def run_quality(context: dg.AssetExecutionContext, settings: Settings,
                warehouse: Warehouse) -> dg.MaterializeResult:
    from pipelines.quality.run import GxRunner, Outcome, run_suite, store
    from pipelines.quality.suites import load_suites

    suites = load_suites()
    outcome = Outcome()
    docs = settings.load().reports_path / "datakvalitet"
    runner = GxRunner(docs_dir=docs)
    with warehouse.connect() as con:
        # the run's months, and those a file read whole changed beyond them (a corrected
        # year file): their issues would otherwise stay as the last run of them saw them
        rechecked = months_to_recheck(con)
        months = sorted({*months_of(context), *rechecked})
        for suite in suites:
            for month in months:  # the whole-warehouse scans once, with the last month
                outcome.extend(run_suite(con, suite, month, include_scans=month == months[-1],
                                         runner=runner))
        log = store(con, outcome, suites, months)
        if rechecked:
            con.execute("delete from raw.months_to_recheck where period in (select unnest(?))",
                        [rechecked])
    runner.build_docs()
    run_months = months_of(context)
    by_month: dict[str, list[dict]] = {}
    for issue in outcome.issues:
        by_month.setdefault(issue["period"], []).append(issue)
    for month in run_months:  # each month's own issues on its materialisation
        mine = by_month.get(month, [])
        by_rule = Counter(i["rule"] for i in mine)
        context.add_asset_metadata({
            "issues": len(mine), "errors": sum(i["severity"] == "error" for i in mine),
            **{f"rule {rule}": n for rule, n in sorted(by_rule.items())}}, partition_key=month)
    # the issue log (quality.issue_log): what this run found first, and what it corrected
    context.log.info(f"Ärendeloggen: {log.new} nya, {log.resolved} åtgärdade, "
                     f"{log.reopened} återkomna i {len(months)} månader.")
    return dg.MaterializeResult(metadata={
        "data_docs": dg.MetadataValue.path(str(docs / "index.html")),
        **({"months checked again": ", ".join(sorted(set(rechecked) - set(run_months)))}
           if rechecked else {})})


def suite_check(suite_name: str, what: str, partitions: Partitions
                ) -> dg.AssetChecksDefinition:
    """A rule family's check, month by month: partitioned by month like quality/issues, and
    a run over a range (a backfill, the demo) records one result per month, on that month,
    so the check's partitions show which months failed. Each result says in Swedish what
    failed: per rule and board, the first issues with file and line, and how to open the
    whole list. Non-blocking (docs/quality.md): the packages are held back per board, by the
    same issues."""

    @dg.asset_check(asset=QUALITY_ISSUES, name=suite_name, pool=WAREHOUSE_POOL,
                    partitions_def=partitions.monthly,
                    description=f"{what}: the error- and warning-level issues of the suite, "
                                f"per month (expectations/{suite_name}.yaml). Fails a month "
                                "with an error-level issue; the boards concerned get draft "
                                "packages, the others publish.")
    def check(context: dg.AssetCheckExecutionContext, settings: Settings,
              warehouse: Warehouse) -> Iterator:
        from pipelines.quality.check_summary import month_summaries
        from pipelines.quality.report import open_issues

        months = sorted(context.partition_keys)
        with warehouse.connect(read_only=True) as con:
            issues = open_issues(con, suite=suite_name, periods=months)
        for summary in month_summaries(issues, months, where_to_read(settings, suite_name)):
            yield dg.AssetCheckEvaluation(
                asset_key=QUALITY_ISSUES, check_name=suite_name, passed=summary.passed,
                partition=summary.month,
                severity=dg.AssetCheckSeverity.ERROR if summary.errors
                else dg.AssetCheckSeverity.WARN,
                metadata={"fel": summary.errors, "varningar": summary.warnings,
                          **summary.text,
                          **{k: dg.MetadataValue.md(v) for k, v in summary.tables.items()}})
        yield dg.Output(None)  # the check's own output: its results are the evaluations

    return check


def where_to_read(settings: Settings, suite: str) -> str:
    """How a person opens a rule family's whole list of issues: the command that writes the
    quality report, and the table in the published copy."""
    config = settings.load()
    return (f"Datakvalitetsrapporten: uppfoljning quality report --config "
            f"{settings.config_path} (skriver {config.reports_path / 'datakvalitet.xlsx'}). "
            f"I den publicerade kopian {config.read_copy_path}: select * from quality.issues "
            f"where suite = '{suite}' and period = '{{month}}'.")


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

    return dg.Definitions(assets=dg.with_source_code_references([quality_issues]), asset_checks=[
        org_tree_is_valid, ledger_reconciles,
        *(suite_check(name, what, partitions) for name, what in SUITES.items())])
