"""Unexpected API fields: a field the API started sending that no column takes is reported, not
dropped silently. The parse step lists such fields per page; the asset's materialisation carries
them as `api_fields_not_stored`; this check warns about those not known to be left out on purpose
(`Thresholds.ignored_api_fields`)."""

from __future__ import annotations

import dagster as dg

from ccdata_assets.checks.results import Verdict
from ccdata_assets.checks.settings import Thresholds

METADATA_KEY = "api_fields_not_stored"


def check(instance: dg.DagsterInstance, asset_key: dg.AssetKey, limits: Thresholds) -> Verdict:
    records = instance.fetch_materializations(asset_key, limit=1).records
    if not records:
        return Verdict(True, "Not materialised yet: no API records to look at.")
    value = records[0].asset_materialization.metadata.get(METADATA_KEY)
    if value is None:
        return Verdict(True, f"The latest materialisation does not list {METADATA_KEY}.")
    seen = set(getattr(value, "value", value) or [])
    unexpected = sorted(seen - limits.ignored_api_fields)
    meta = {
        "unexpected_fields": unexpected,
        "ignored_fields": sorted(seen & limits.ignored_api_fields),
        "materialisation_run_id": records[0].run_id,
    }
    if unexpected:
        return Verdict(
            False,
            f"The API sent {len(unexpected)} field(s) no column takes: {', '.join(unexpected)}; "
            "add a column (sql/tables) and a field mapping, or list them in ignored_api_fields.",
            meta,
        )
    return Verdict(True, "Every API field is stored or known to be left out.", meta)
