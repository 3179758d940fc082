"""Data sets described once: specs, the catalog, and the parse/validate steps they share."""
