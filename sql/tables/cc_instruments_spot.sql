-- Spot instruments per exchange (snapshot of /spot/v1/markets/instruments). Legacy table.
CREATE TABLE IF NOT EXISTS `cc_instruments_spot` (
    `exchange_internal_name`              VARCHAR(255) NOT NULL,
    `mapped_instrument_symbol`            VARCHAR(255) NOT NULL,
    `api_instrument_type`                 VARCHAR(255),
    `instrument_status_on_exchange`       VARCHAR(255),
    `exchange_instrument_symbol_raw`      VARCHAR(255),
    `base_asset_symbol`                   VARCHAR(255),
    `base_asset_id`                       BIGINT,
    `quote_asset_symbol`                  VARCHAR(255),
    `quote_asset_id`                      BIGINT,
    `transform_function`                  VARCHAR(255),
    `instrument_mapping_created_datetime` DATETIME,
    `has_trades`                          BOOLEAN,
    `first_trade_datetime`                DATETIME,
    `last_trade_datetime`                 DATETIME,
    `total_trades_instrument_level`       BIGINT,
    `created_at`                          DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    `updated_at`                          DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    PRIMARY KEY (`exchange_internal_name`, `mapped_instrument_symbol`),
    SHARD KEY (`exchange_internal_name`, `mapped_instrument_symbol`),
    SORT KEY (`exchange_internal_name`, `mapped_instrument_symbol`, `last_trade_datetime` DESC)
);
