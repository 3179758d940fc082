-- Futures exchange summary (/futures/v1/markets). Legacy table; PRIMARY KEY added (additive) so
-- upserts have a unique key, equal to the legacy shard key.
CREATE TABLE IF NOT EXISTS `cc_exchanges_futures_details` (
    `exchange_internal_name`             VARCHAR(255) NOT NULL,
    `api_exchange_type`                  VARCHAR(255),
    `exchange_status`                    VARCHAR(255),
    `mapped_instruments_total`           INT,
    `unmapped_instruments_total`         INT,
    `instruments_active_count`           INT,
    `instruments_ignored_count`          INT,
    `instruments_retired_count`          INT,
    `instruments_expired_count`          INT,
    `instruments_retired_unmapped_count` INT,
    `total_trades_exchange_level`        BIGINT,
    `total_open_interest_updates`        BIGINT,
    `total_funding_rate_updates`         BIGINT,
    `has_orderbook_l2_snapshots`         BOOLEAN,
    `api_data_retrieved_datetime`        DATETIME,
    `created_at`                         DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    `updated_at`                         DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    PRIMARY KEY (`exchange_internal_name`),
    SHARD KEY (`exchange_internal_name`),
    SORT KEY (`exchange_internal_name`)
);
