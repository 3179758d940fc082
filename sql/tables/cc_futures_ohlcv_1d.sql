-- Rendered from sql/families/futures_ohlcv.sql: edit the template, then run
-- `python -m ccdata_assets.warehouse.ddl_templates`.
-- Futures OHLCV, daily bars.
-- Legacy table: its columns and keys are kept; changes are additive only.
-- `mapped_instrument` is NOT NULL because it is in the PRIMARY KEY. No explicit SHARD KEY: the
-- PRIMARY KEY shards it.
CREATE TABLE IF NOT EXISTS `cc_futures_ohlcv_1d` (
    `datetime`              DATETIME NOT NULL,
    `market`                VARCHAR(255) NOT NULL,
    `instrument`            VARCHAR(255) NOT NULL,
    `mapped_instrument`     VARCHAR(255) NOT NULL,
    `type`                  VARCHAR(255),
    `index_underlying`      VARCHAR(255),
    `quote_currency`        VARCHAR(255),
    `settlement_currency`   VARCHAR(255),
    `contract_currency`     VARCHAR(255),
    `denomination_type`     VARCHAR(255),
    `open`                  DOUBLE,
    `high`                  DOUBLE,
    `low`                   DOUBLE,
    `close`                 DOUBLE,
    `number_of_contracts`   BIGINT,
    `volume`                DOUBLE,
    `quote_volume`          DOUBLE,
    `volume_buy`            DOUBLE,
    `quote_volume_buy`      DOUBLE,
    `volume_sell`           DOUBLE,
    `quote_volume_sell`     DOUBLE,
    `volume_unknown`        DOUBLE,
    `quote_volume_unknown`  DOUBLE,
    `total_trades`          BIGINT,
    `total_trades_buy`      BIGINT,
    `total_trades_sell`     BIGINT,
    `total_trades_unknown`  BIGINT,
    `first_trade_timestamp` DATETIME,
    `last_trade_timestamp`  DATETIME,
    `first_trade_price`     DOUBLE,
    `high_trade_price`      DOUBLE,
    `high_trade_timestamp`  DATETIME,
    `low_trade_price`       DOUBLE,
    `low_trade_timestamp`   DATETIME,
    `last_trade_price`      DOUBLE,
    `collected_at`          DATETIME DEFAULT CURRENT_TIMESTAMP,
    PRIMARY KEY (`datetime`, `market`, `mapped_instrument`),
    SORT KEY (`datetime`, `market`, `mapped_instrument`)
);
