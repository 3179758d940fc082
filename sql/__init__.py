"""The DDL as package data: setuptools installs this folder as `ccdata_assets.sql` (see the
`package-dir` table in pyproject.toml), so `ddl.py` reads it with importlib.resources from an
editable install, a wheel or an image alike."""
