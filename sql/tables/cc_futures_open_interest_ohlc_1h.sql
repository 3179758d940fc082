-- Rendered from sql/families/futures_open_interest.sql: edit the template, then run
-- `python -m ccdata_assets.warehouse.ddl_templates`.
-- Futures open interest OHLC, hourly bars.
-- Legacy table: its columns and keys are kept; changes are additive only.
-- `mapped_instrument` is NOT NULL because it is in the PRIMARY KEY. No explicit SHARD KEY: the
-- PRIMARY KEY shards it.
CREATE TABLE IF NOT EXISTS `cc_futures_open_interest_ohlc_1h` (
    `datetime`                    DATETIME NOT NULL,
    `market`                      VARCHAR(255) NOT NULL,
    `instrument`                  VARCHAR(255) NOT NULL,
    `mapped_instrument`           VARCHAR(255) NOT NULL,
    `type`                        VARCHAR(255),
    `index_underlying`            VARCHAR(255),
    `quote_currency`              VARCHAR(255),
    `settlement_currency`         VARCHAR(255),
    `contract_currency`           VARCHAR(255),
    `denomination_type`           VARCHAR(255),
    `open_oi_contracts`           DOUBLE,
    `high_oi_contracts`           DOUBLE,
    `low_oi_contracts`            DOUBLE,
    `close_oi_contracts`          DOUBLE,
    `open_oi_quote`               DOUBLE,
    `high_oi_quote`               DOUBLE,
    `low_oi_quote`                DOUBLE,
    `close_oi_quote`              DOUBLE,
    `open_mark_price`             DOUBLE,
    `high_oi_mark_price`          DOUBLE,
    `high_mark_price`             DOUBLE,
    `high_mark_price_oi`          DOUBLE,
    `high_quote_mark_price`       DOUBLE,
    `low_oi_mark_price`           DOUBLE,
    `low_mark_price`              DOUBLE,
    `low_mark_price_oi`           DOUBLE,
    `low_quote_mark_price`        DOUBLE,
    `close_mark_price`            DOUBLE,
    `total_open_interest_updates` BIGINT,
    `collected_at`                DATETIME DEFAULT CURRENT_TIMESTAMP,
    PRIMARY KEY (`datetime`, `market`, `mapped_instrument`),
    SORT KEY (`datetime`, `market`, `mapped_instrument`)
);
