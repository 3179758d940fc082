-- Index instruments per index family (snapshot of /index/cc/v1/markets/instruments). New table,
-- shaped like cc_instruments_spot; `market` is the index family (cadli, ccix) and `instrument`
-- the index pair (BTC-USD), the same two columns the index OHLCV tables are keyed by.
CREATE TABLE IF NOT EXISTS `cc_instruments_index` (
    `market`                              VARCHAR(255) NOT NULL,
    `instrument`                          VARCHAR(255) NOT NULL,
    `api_instrument_type`                 VARCHAR(255),
    `instrument_status_on_exchange`       VARCHAR(255),
    `base_asset_symbol`                   VARCHAR(255),
    `base_asset_id`                       BIGINT,
    `quote_asset_symbol`                  VARCHAR(255),
    `quote_asset_id`                      BIGINT,
    `instrument_mapping_created_datetime` DATETIME,
    `first_index_update_datetime`         DATETIME,
    `last_index_update_datetime`          DATETIME,
    `total_index_updates`                 BIGINT,
    `created_at`                          DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    `updated_at`                          DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    PRIMARY KEY (`market`, `instrument`),
    SHARD KEY (`market`, `instrument`),
    SORT KEY (`market`, `instrument`)
);
