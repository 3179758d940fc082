-- Asset market data snapshots (/asset/v1/top/list). Legacy table; PRIMARY KEY (asset_id,
-- snapshot_ts) added (additive); it contains the legacy shard key (asset_id).
CREATE TABLE IF NOT EXISTS `cc_asset_market_data` (
    `asset_id`                                      BIGINT NOT NULL,
    `snapshot_ts`                                   DATETIME NOT NULL,
    `price_usd`                                     DOUBLE,
    `price_usd_source`                              VARCHAR(255),
    `mkt_cap_penalty`                               DOUBLE,
    `circulating_mkt_cap_usd`                       DOUBLE,
    `total_mkt_cap_usd`                             DOUBLE,
    `spot_moving_24_hour_quote_volume_top_tier_usd` DOUBLE,
    `spot_moving_24_hour_quote_volume_usd`          DOUBLE,
    `spot_moving_7_day_quote_volume_top_tier_usd`   DOUBLE,
    `spot_moving_7_day_quote_volume_usd`            DOUBLE,
    `spot_moving_30_day_quote_volume_top_tier_usd`  DOUBLE,
    `spot_moving_30_day_quote_volume_usd`           DOUBLE,
    `created_at`                                    DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    `updated_at`                                    DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    PRIMARY KEY (`asset_id`, `snapshot_ts`),
    SHARD KEY (`asset_id`),
    SORT KEY (`asset_id`, `snapshot_ts` DESC)
);
