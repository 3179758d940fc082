"""A small code location whose checks and runs fail on demand (through run tags), with the real
alert sensor in it. Real Dagster runs produce the check evaluations and run failures."""

import dagster as dg

from ccdata_assets.alerts.sensor import build_alert_sensor

CHECK_RESULT = "test/check_result"  # "" passes, "ERROR" or "WARN" fails with that severity
BAD_PARTITIONS = "test/bad_partitions"  # comma-separated partitions whose check fails
CRASH = "test/crash"
LETTERS = dg.StaticPartitionsDefinition(["a", "b", "c"])


@dg.asset
def prices() -> int:
    return 1


@dg.asset_check(asset=prices, description="No negative prices.")
def prices_positive(context: dg.AssetCheckExecutionContext) -> dg.AssetCheckResult:
    severity = context.run.tags.get(CHECK_RESULT, "")
    return dg.AssetCheckResult(
        passed=not severity,
        severity=dg.AssetCheckSeverity(severity or "ERROR"),
        description="3 rows have a negative close." if severity else "All prices positive.",
        metadata={"negative_rows": 3 if severity else 0, "table": "cc_test_prices"},
    )


@dg.asset(partitions_def=LETTERS)
def letters(context: dg.AssetExecutionContext) -> None:
    return None


@dg.asset_check(asset=letters, partitions_def=LETTERS)
def letters_complete(context: dg.AssetCheckExecutionContext) -> dg.AssetCheckResult:
    bad = set(filter(None, context.run.tags.get(BAD_PARTITIONS, "").split(",")))
    missing = 2 if context.partition_key in bad else 0
    return dg.AssetCheckResult(passed=not missing, metadata={"missing_periods": missing})


@dg.op
def step(context: dg.OpExecutionContext) -> None:
    if context.run.tags.get(CRASH):
        raise RuntimeError("exchange feed unreachable after 5 retries")


@dg.job
def loader_job() -> None:
    step()


def alerting_definitions() -> dg.Definitions:
    return dg.Definitions(
        assets=[prices, letters],
        asset_checks=[prices_positive, letters_complete],
        jobs=[
            loader_job,
            dg.define_asset_job("prices_job", selection=[prices]),
            dg.define_asset_job("letters_job", selection=[letters], partitions_def=LETTERS),
        ],
        sensors=[build_alert_sensor()],
    )
