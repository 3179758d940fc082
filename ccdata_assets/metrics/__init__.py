"""Prometheus metrics (`/metrics`) and a health report (`/health`) for the platform.

`python -m ccdata_assets.metrics --port 9108` reads the Dagster instance (`DAGSTER_HOME`, the
storage every run process writes to) and the warehouse (the code location's own settings), so one
exporter covers any number of run processes and hosts. Modules, one job each:

- `events.py`: run totals (rows written, quarantined, API calls, 429s) from materialisation
  metadata, read incrementally by storage id;
- `lag.py`: age of the newest stored closed period, one MAX per table;
- `checks.py`: checks whose latest evaluation failed;
- `budget.py`: the shared API rate budget's usage (a hook until the shared limiter lands);
- `collector.py`: all of the above as one prometheus_client collector, computed at scrape time;
- `health.py`: warehouse, API and daemon reachability;
- `server.py`, `__main__.py`: the HTTP server and its command line.
"""
