"""`alert_sensor`: failed asset checks (ERROR and WARN) and failed runs become alerts, once.

Each tick: read check evaluations and run status changes newer than the cursor, turn state
changes into alerts (`checks.py`, `runs.py`), add them to the outbox and deliver it
(`outbox.py`). Everything it must remember lives in the cursor (`state.py`), so alerts are
neither repeated per tick nor lost when a sink is down.
"""

from __future__ import annotations

import dagster as dg

from ccdata_assets.alerts.checks import check_alerts
from ccdata_assets.alerts.outbox import deliver
from ccdata_assets.alerts.resource import AlertSinkResource
from ccdata_assets.alerts.runs import run_alerts
from ccdata_assets.alerts.state import AlertState, Pending


def build_alert_sensor(
    name: str = "alert_sensor",
    minimum_interval_seconds: int = 60,
    default_status: dg.DefaultSensorStatus = dg.DefaultSensorStatus.RUNNING,
) -> dg.SensorDefinition:
    @dg.sensor(
        name=name,
        minimum_interval_seconds=minimum_interval_seconds,
        default_status=default_status,
        description=(
            "Alerts on failed asset checks (ERROR and WARN) and failed runs, once per failure, "
            "and once more on recovery; sinks come from CCDATA_ALERT_* (default: a JSON-lines "
            "file under CCDATA_HOME)."
        ),
    )
    def _sensor(
        context: dg.SensorEvaluationContext, alert_sink: AlertSinkResource
    ) -> dg.SensorResult:
        state = AlertState.from_json(context.cursor)
        settings = alert_sink.settings()
        sinks = alert_sink.sinks()
        repository = context.repository_def
        check_keys = repository.asset_graph.asset_check_keys if repository else set()
        alerts = check_alerts(context.instance, check_keys, state, settings.dagster_url)
        alerts += run_alerts(
            context.instance,
            state,
            settings.dagster_url,
            watched=repository.has_job if repository else lambda _: True,
        )
        for alert in alerts:
            context.log.info(f"Alert: {alert.title} [{alert.key}]")
        state.outbox += [Pending(alert, sorted(sinks)) for alert in alerts]
        report = deliver(state.outbox, sinks, context.log, alert_sink.secrets())
        state.outbox = report.outbox
        return dg.SensorResult(
            cursor=state.to_json(),
            skip_reason=dg.SkipReason(f"{len(alerts)} new alerts; {report.summary()}"),
        )

    return _sensor
