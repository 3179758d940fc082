-- Quarantine for rows that failed validation: one table per data table, `{table}_quarantine`.
-- `row_hash` is the sha256 of (data_set, raw_json), so re-running a partition that quarantines the
-- same record updates its reason instead of adding a duplicate; `reviewed` survives re-runs.
CREATE TABLE IF NOT EXISTS `{table}_quarantine` (
    `row_hash`       VARCHAR(64) NOT NULL,
    `data_set`       VARCHAR(255) NOT NULL,
    `partition_key`  VARCHAR(255),
    `reason`         TEXT NOT NULL,
    `raw_json`       JSON NOT NULL,
    `quarantined_at` DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    `reviewed`       BOOLEAN NOT NULL DEFAULT 0,
    PRIMARY KEY (`row_hash`),
    SHARD KEY (`row_hash`),
    SORT KEY (`quarantined_at`)
);
