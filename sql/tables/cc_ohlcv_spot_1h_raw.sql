-- Rendered from sql/families/spot_ohlcv.sql: edit the template, then run
-- `python -m ccdata_assets.warehouse.ddl_templates`.
-- Spot OHLCV, hourly bars.
-- New table, same columns and keys as the legacy cc_ohlcv_spot_1d_raw.
-- The trade timestamps are DATETIME (the legacy system stored BIGINT epoch seconds); `symbol` is
-- NOT NULL because it is in the PRIMARY KEY (MySQL-family servers make key columns NOT NULL
-- anyway). Naive UTC.
CREATE TABLE IF NOT EXISTS `cc_ohlcv_spot_1h_raw` (
    `datetime`              DATETIME NOT NULL,
    `exchange`              VARCHAR(255) NOT NULL,
    `symbol_unmapped`       VARCHAR(255) NOT NULL,
    `symbol`                VARCHAR(255) NOT NULL,
    `base`                  VARCHAR(255),
    `quote`                 VARCHAR(255),
    `base_id`               BIGINT,
    `quote_id`              BIGINT,
    `transform_function`    VARCHAR(255),
    `open`                  DOUBLE,
    `high`                  DOUBLE,
    `low`                   DOUBLE,
    `close`                 DOUBLE,
    `first_trade_timestamp` DATETIME,
    `last_trade_timestamp`  DATETIME,
    `first_trade_price`     DOUBLE,
    `high_trade_price`      DOUBLE,
    `high_trade_timestamp`  DATETIME,
    `low_trade_price`       DOUBLE,
    `low_trade_timestamp`   DATETIME,
    `last_trade_price`      DOUBLE,
    `total_trades`          BIGINT,
    `total_trades_buy`      BIGINT,
    `total_trades_sell`     BIGINT,
    `total_trades_unknown`  BIGINT,
    `volume`                DOUBLE,
    `quote_volume`          DOUBLE,
    `volume_buy`            DOUBLE,
    `quote_volume_buy`      DOUBLE,
    `volume_sell`           DOUBLE,
    `quote_volume_sell`     DOUBLE,
    `volume_unknown`        DOUBLE,
    `quote_volume_unknown`  DOUBLE,
    `collected_at`          DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    PRIMARY KEY (`datetime`, `exchange`, `symbol`),
    SHARD KEY (`datetime`, `exchange`, `symbol`),
    SORT KEY (`datetime`, `exchange`, `symbol`)
);
