"""The alert sensor against real runs and real receivers: webhook (aiohttp), SMTP (aiosmtpd),
log file. Each failure arrives exactly once across ticks, each recovery once, secrets never."""

from __future__ import annotations

import json
from pathlib import Path

import dagster as dg
import pytest

from ccdata_assets.alerts.resource import AlertSinkResource
from ccdata_assets_tests.alerts.defs_for_tests import (
    BAD_PARTITIONS,
    CHECK_RESULT,
    CRASH,
    alerting_definitions,
)
from ccdata_assets_tests.alerts.receivers import DAGSTER_URL, SMTP_PASSWORD, WEBHOOK_TOKEN
from ccdata_assets_tests.support import alert_ticker

QUIET = {"loggers": {"console": {"config": {"log_level": "ERROR"}}}}


@pytest.fixture
def defs() -> dg.Definitions:
    return alerting_definitions()


def run(defs, instance, job: str, **tags: str) -> dg.ExecuteInProcessResult:
    return defs.resolve_job_def(job).execute_in_process(
        instance=instance, tags=tags, raise_on_error=False, run_config=QUIET
    )


def log_lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_failed_check_alerts_once_on_every_sink_and_recovery_once(
    defs, disk_instance, all_sinks, webhook, mailbox, capfd
) -> None:
    instance = disk_instance
    log_file = Path(all_sinks["CCDATA_ALERT_LOG_FILE"])
    sensor = alert_ticker(defs, instance)
    sensor.tick()
    assert run(defs, instance, "prices_job").success  # the check passes: nothing to say
    sensor.tick()
    assert webhook.received == [] and mailbox.messages == [] and log_lines(log_file) == []

    failing = run(defs, instance, "prices_job", **{CHECK_RESULT: "ERROR"})
    for _ in range(3):
        sensor.tick()
    assert run(defs, instance, "prices_job", **{CHECK_RESULT: "ERROR"}).success
    sensor.tick()  # still failing: the same failure, no second alert

    [payload] = webhook.received
    link = f"{DAGSTER_URL}/runs/{failing.run_id}"
    assert payload["text"] == f"[ERROR] Check prices_positive failed (ERROR) on prices {link}"
    blocks = json.dumps(payload["blocks"])
    assert "3 rows have a negative close." in blocks and "negative_rows: 3" in blocks
    assert link in blocks
    [mail] = mailbox.messages
    assert mail["Subject"] == "[ccdata ERROR] Check prices_positive failed (ERROR) on prices"
    assert mail["To"] == "oncall@example.com, quant@example.com"
    body = mail.get_payload()
    assert f"Link: {link}" in body and "Asset: prices" in body and "Check: prices_positive" in body
    assert mailbox.logins == ["alerts-bot"]
    [line] = log_lines(log_file)
    assert (line["kind"], line["asset"], line["check"], line["run_id"]) == (
        "check_failed",
        "prices",
        "prices_positive",
        failing.run_id,
    )
    assert line["details"] == {"negative_rows": "3", "table": "cc_test_prices"}

    fixed = run(defs, instance, "prices_job")
    sensor.tick()
    sensor.tick()
    assert webhook.texts()[1:] == [
        f"[OK] Check prices_positive passes again on prices {DAGSTER_URL}/runs/{fixed.run_id}"
    ]
    assert len(mailbox.messages) == 2 and len(log_lines(log_file)) == 2
    assert log_lines(log_file)[1]["kind"] == "check_recovered"

    sensor_log = capfd.readouterr().err  # Dagster's sensor logger writes to stderr
    assert "Alert: Check prices_positive failed (ERROR) on prices" in sensor_log
    everything = "\n".join(
        [
            sensor_log,
            json.dumps(webhook.received),
            *(raw.decode() for raw in mailbox.raw),
            log_file.read_text(),
            *(r.cursor or "" for r in sensor.results),
            *(str(r.skip_reason) for r in sensor.results),
            repr(AlertSinkResource.from_env()),
        ]
    )
    for secret in (WEBHOOK_TOKEN, SMTP_PASSWORD, webhook.url):
        assert secret not in everything


def test_warn_is_alerted_and_an_escalation_to_error_once_more(defs, instance, all_sinks, webhook):
    sensor = alert_ticker(defs, instance)
    sensor.tick()
    run(defs, instance, "prices_job", **{CHECK_RESULT: "WARN"})
    sensor.tick()
    run(defs, instance, "prices_job", **{CHECK_RESULT: "ERROR"})
    sensor.tick()
    run(defs, instance, "prices_job", **{CHECK_RESULT: "WARN"})  # downgrade: no news
    sensor.tick()
    assert [t.split(" http")[0] for t in webhook.texts()] == [
        "[WARN] Check prices_positive failed (WARN) on prices",
        "[ERROR] Check prices_positive failed (ERROR) on prices",
    ]


def test_partitioned_check_alerts_per_failing_partition_and_recovers_per_partition(
    defs, instance, all_sinks, webhook
) -> None:
    """Dagster 1.13 evaluates a partitioned check one partition per run."""
    sensor = alert_ticker(defs, instance)
    sensor.tick()
    runs = {
        key: run(defs, instance, "letters_job", **{"dagster/partition": key, BAD_PARTITIONS: "a,c"})
        for key in "abc"
    }
    sensor.tick()
    sensor.tick()
    assert sorted(webhook.texts()) == sorted(
        f"[ERROR] Check letters_complete failed (ERROR) on letters for 1 partition "
        f"{DAGSTER_URL}/runs/{runs[key].run_id}"
        for key in "ac"
    )
    fields = {json.dumps(p["blocks"][1]["fields"]) for p in webhook.received}
    assert any("*Partitions*\\na" in f for f in fields) and any(
        "*Partitions*\\nc" in f for f in fields
    )

    repaired = run(defs, instance, "letters_job", **{"dagster/partition": "a"})
    sensor.tick()
    sensor.tick()
    assert webhook.texts()[2:] == [
        f"[OK] Check letters_complete passes again on letters for 1 partition "
        f"{DAGSTER_URL}/runs/{repaired.run_id}"
    ]
    assert webhook.received[2]["blocks"][1]["fields"][2]["text"] == "*Partitions*\na"
    assert webhook.received[2]["blocks"][2]["text"]["text"] == (
        "1 other partition of this check still fails."
    )


def test_failed_runs_alert_each_and_the_next_success_recovers_once(
    defs, disk_instance, all_sinks, webhook, mailbox
) -> None:
    instance = disk_instance
    sensor = alert_ticker(defs, instance)
    sensor.tick()
    first = run(defs, instance, "loader_job", **{CRASH: "1"})
    second = run(defs, instance, "loader_job", **{CRASH: "1"})
    assert not first.success and not second.success
    sensor.tick()
    sensor.tick()
    recovered = run(defs, instance, "loader_job")
    run(defs, instance, "loader_job")
    sensor.tick()
    sensor.tick()
    assert webhook.texts() == [
        f"[ERROR] Run of loader_job failed {DAGSTER_URL}/runs/{first.run_id}",
        f"[ERROR] Run of loader_job failed {DAGSTER_URL}/runs/{second.run_id}",
        f"[OK] loader_job succeeds again {DAGSTER_URL}/runs/{recovered.run_id}",
    ]
    summary = webhook.received[0]["blocks"][2]["text"]["text"]
    assert "RuntimeError: exchange feed unreachable after 5 retries" in summary
    assert len(mailbox.messages) == 3


def test_a_sink_that_is_down_gets_the_alert_later_and_the_others_only_once(
    defs, instance, all_sinks, webhook, mailbox, capfd
) -> None:
    sensor = alert_ticker(defs, instance)
    sensor.tick()
    webhook.fail_with = 503
    failing = run(defs, instance, "prices_job", **{CHECK_RESULT: "ERROR"})
    first = sensor.tick()
    sensor.tick()
    assert webhook.received == [] and len(mailbox.messages) == 1
    assert "webhook: webhook at http://127.0.0.1 answered HTTP 503" in str(first.skip_reason)
    assert "1 alerts waiting for a sink" in str(first.skip_reason)
    assert (
        capfd.readouterr().err.count(
            "Alert sink webhook failed, will retry next tick: webhook at http://127.0.0.1 answered HTTP 503"
        )
        == 2
    )

    webhook.fail_with = None
    sensor.tick()
    sensor.tick()
    assert len(webhook.received) == 1 and failing.run_id in webhook.texts()[0]
    assert len(mailbox.messages) == 1


def test_nothing_configured_writes_json_lines_under_ccdata_home(defs, instance, alert_env) -> None:
    sensor = alert_ticker(defs, instance)
    sensor.tick()
    failing = run(defs, instance, "prices_job", **{CHECK_RESULT: "ERROR"})
    sensor.tick()
    sensor.tick()
    [line] = log_lines(Path(alert_env["CCDATA_HOME"]) / "alerts.jsonl")
    assert line["title"] == "Check prices_positive failed (ERROR) on prices"
    assert line["link"] == f"http://127.0.0.1:3000/runs/{failing.run_id}"
    assert line["summary"] == "3 rows have a negative close."


def test_checks_failing_before_the_sensor_started_are_alerted_once(
    defs, instance, all_sinks, webhook
) -> None:
    run(defs, instance, "prices_job", **{CHECK_RESULT: "ERROR"})
    run(defs, instance, "prices_job", **{CHECK_RESULT: "ERROR"})
    sensor = alert_ticker(defs, instance)
    sensor.tick()
    sensor.tick()
    assert len(webhook.received) == 1  # the current state, not the history
