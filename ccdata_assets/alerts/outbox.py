"""Delivering the outbox: every alert to every configured sink, remembering what did not arrive.

An alert leaves the outbox only once each sink has accepted it, so a webhook that is down gets
the alert on a later tick and an SMTP outage does not resend what Slack already showed. A sink
that fails once is not tried again in the same tick (its timeouts would stall the sensor); the
outbox is capped, and what falls off is logged as an error, never dropped silently.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field

from ccdata_assets.alerts.delivery import DeliveryError, Sink, redact
from ccdata_assets.alerts.state import Pending

MAX_OUTBOX = 500


@dataclass
class DeliveryReport:
    outbox: list[Pending]
    sent: int = 0  # (alert, sink) deliveries made this tick
    dropped: int = 0
    errors: dict[str, str] = field(default_factory=dict)  # sink -> why it failed this tick

    def summary(self) -> str:
        text = f"{self.sent} alert deliveries, {len(self.outbox)} alerts waiting for a sink"
        if self.errors:
            text += "; failing: " + "; ".join(f"{k}: {v}" for k, v in sorted(self.errors.items()))
        if self.dropped:
            text += f"; {self.dropped} oldest undelivered alerts dropped (outbox full)"
        return text + "."


def deliver(
    outbox: list[Pending],
    sinks: Mapping[str, Sink],
    log: logging.Logger | logging.LoggerAdapter,
    secrets: tuple[str, ...] = (),
    max_outbox: int = MAX_OUTBOX,
) -> DeliveryReport:
    report = DeliveryReport(outbox=[])
    for pending in outbox:
        for name in list(pending.sinks):
            sink = sinks.get(name)
            if sink is None:
                log.warning(
                    f"Alert {pending.alert.key!r} was waiting for sink {name!r}, which is no longer configured."
                )
                pending.sinks.remove(name)
                continue
            if name in report.errors:
                continue
            try:
                sink.send(pending.alert)
            except DeliveryError as error:
                report.errors[name] = str(error)
            except Exception as error:  # a bug in a sink must not lose the alert either
                report.errors[name] = redact(f"{error.__class__.__name__}: {error}", secrets)
            else:
                pending.sinks.remove(name)
                report.sent += 1
                continue
            pending.attempts += 1
            pending.last_error = report.errors[name]
        if pending.sinks:
            report.outbox.append(pending)
    for name, why in sorted(report.errors.items()):
        log.warning(f"Alert sink {name} failed, will retry next tick: {why}")
    if len(report.outbox) > max_outbox:
        dropped = report.outbox[: len(report.outbox) - max_outbox]
        report.outbox = report.outbox[-max_outbox:]
        report.dropped = len(dropped)
        for pending in dropped:
            log.error(
                f"Dropping undelivered alert (outbox holds {max_outbox}): "
                f"{pending.alert.title} [{pending.alert.key}] after {pending.attempts} attempts; "
                f"last error: {pending.last_error}"
            )
    return report
