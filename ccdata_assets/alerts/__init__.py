"""Sensors that watch the platform's health: alerts for failed checks and runs, and repair runs
for partitions with missing periods.

Open-source Dagster sends no alert for a failed asset check, so `alert_sensor` reads check
evaluations and run status changes itself and delivers through `AlertSinkResource` (webhook,
email, JSON-lines file). `repair_sensor` asks the gaps check's pure function which partitions
miss periods and launches a few grouped re-materialisations (dry run by default).
"""
