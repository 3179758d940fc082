-- Rendered from sql/families/futures_funding_rate.sql: edit the template, then run
-- `python -m ccdata_assets.warehouse.ddl_templates`.
-- Futures funding rate OHLC, hourly bars.
-- Legacy table: its columns and keys are kept; changes are additive only.
-- `mapped_instrument` is NOT NULL because it is in the PRIMARY KEY. No explicit SHARD KEY: the
-- PRIMARY KEY shards it.
CREATE TABLE IF NOT EXISTS `cc_futures_funding_rate_ohlc_1h` (
    `datetime`                   DATETIME NOT NULL,
    `market`                     VARCHAR(255) NOT NULL,
    `instrument`                 VARCHAR(255) NOT NULL,
    `mapped_instrument`          VARCHAR(255) NOT NULL,
    `type`                       VARCHAR(255),
    `index_underlying`           VARCHAR(255),
    `quote_currency`             VARCHAR(255),
    `settlement_currency`        VARCHAR(255),
    `contract_currency`          VARCHAR(255),
    `denomination_type`          VARCHAR(255),
    `interval_ms`                BIGINT,
    `open_fr`                    DOUBLE,
    `high_fr`                    DOUBLE,
    `low_fr`                     DOUBLE,
    `close_fr`                   DOUBLE,
    `total_funding_rate_updates` BIGINT,
    `collected_at`               DATETIME DEFAULT CURRENT_TIMESTAMP,
    PRIMARY KEY (`datetime`, `market`, `mapped_instrument`),
    SORT KEY (`datetime`, `market`, `mapped_instrument`)
);
