-- Which kind of data this warehouse holds, `api` (real) or `simulator`: one row, written by the
-- first run that writes rows. The platform refuses to write simulated rows into a warehouse marked
-- `api`, or real rows into one marked `simulator`.
CREATE TABLE IF NOT EXISTS `ccdata_source` (
    `id`         INT NOT NULL,
    `source`     VARCHAR(16) NOT NULL,
    `claimed_at` DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    PRIMARY KEY (`id`)
);
