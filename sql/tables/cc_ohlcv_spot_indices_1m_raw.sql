-- Rendered from sql/families/index_ohlcv.sql: edit the template, then run
-- `python -m ccdata_assets.warehouse.ddl_templates`.
-- Index OHLCV (CCIX / CADLI), minute bars.
-- New table, same columns and keys as the legacy cc_ohlcv_spot_indices_1d_raw.
-- `instrument` (e.g. BTC-USD), added to the legacy columns, maps the (market, instrument) partition
-- key to columns. The legacy key is kept: one row per (datetime, market, asset), so only one quote
-- currency per index asset fits.
CREATE TABLE IF NOT EXISTS `cc_ohlcv_spot_indices_1m_raw` (
    `unit`                         VARCHAR(255),
    `datetime`                     DATETIME NOT NULL,
    `type`                         VARCHAR(255),
    `market`                       VARCHAR(255) NOT NULL,
    `asset`                        VARCHAR(255) NOT NULL,
    `instrument`                   VARCHAR(255),
    `quote`                        VARCHAR(255),
    `open`                         DOUBLE,
    `high`                         DOUBLE,
    `low`                          DOUBLE,
    `close`                        DOUBLE,
    `first_message_timestamp`      BIGINT,
    `last_message_timestamp`       BIGINT,
    `first_message_value`          DOUBLE,
    `high_message_value`           DOUBLE,
    `high_message_timestamp`       BIGINT,
    `low_message_value`            DOUBLE,
    `low_message_timestamp`        BIGINT,
    `last_message_value`           DOUBLE,
    `total_index_updates`          BIGINT,
    `volume`                       DOUBLE,
    `quote_volume`                 DOUBLE,
    `volume_top_tier`              DOUBLE,
    `quote_volume_top_tier`        DOUBLE,
    `volume_direct`                DOUBLE,
    `quote_volume_direct`          DOUBLE,
    `volume_top_tier_direct`       DOUBLE,
    `quote_volume_top_tier_direct` DOUBLE,
    `collected_at`                 DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    PRIMARY KEY (`datetime`, `market`, `asset`),
    SHARD KEY (`datetime`, `market`, `asset`),
    SORT KEY (`datetime`, `market`, `asset`)
);
