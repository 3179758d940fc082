"""The alert sensor: alerts for failed checks and runs.

Open-source Dagster sends no alert for a failed asset check, so `alert_sensor` reads check
evaluations and run status changes itself and delivers through `AlertSinkResource` (webhook,
email, JSON-lines file). The repair sensor lives in `ccdata_assets.repair`.
"""
