"""Asset factories: specs in, Dagster assets out."""
