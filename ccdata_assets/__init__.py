"""ccdata-assets: a Dagster code location for CryptoCompare (CoinDesk) market data."""
