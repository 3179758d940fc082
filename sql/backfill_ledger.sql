-- Which run of a UI backfill fetches each instrument's history, so the backfill calls the API
-- once per page however Dagster splits it into runs. One row per (backfill, data set,
-- instrument): the first run to insert it fetches every window of the backfill for that
-- instrument (`fetching`), then stores each partition's figures (`done`); the backfill's other
-- runs read those instead of calling the API. A claim whose run failed is taken over.
CREATE TABLE IF NOT EXISTS `ccdata_backfill_ledger` (
    `backfill_id` VARCHAR(64) NOT NULL,
    `data_set`    VARCHAR(128) NOT NULL,
    `instrument`  VARCHAR(160) NOT NULL,
    `run_id`      VARCHAR(64) NOT NULL,
    `status`      VARCHAR(16) NOT NULL,
    `figures`     JSON,
    `claimed_at`  DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    PRIMARY KEY (`backfill_id`, `data_set`, `instrument`),
    SHARD KEY (`backfill_id`)
);
