"""Every file in sql/ parses into a table that follows the rules; family tables match templates."""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl
import pytest

from ccdata_assets.settings import ConfigError
from ccdata_assets.warehouse.ddl import (
    TABLES_DIR,
    load_table,
    parse_table,
    table_names,
)
from ccdata_assets.warehouse.ddl_templates import (
    FAMILIES,
    FAMILIES_DIR,
    RENDER_COMMAND,
    render,
    stale_tables,
    write_tables,
)

EXPECTED_TABLES = {
    "cc_ohlcv_spot_1d_raw",
    "cc_ohlcv_spot_1h_raw",
    "cc_ohlcv_spot_1m_raw",
    "cc_instruments_spot",
    "cc_exchange_spot_details",
    "cc_exchanges_general",
    "cc_assets",
    "cc_asset_market_data",
    *(
        f"cc_futures_{f}_{i}"
        for f in ("ohlcv", "funding_rate_ohlc", "open_interest_ohlc")
        for i in ("1d", "1h", "1m")
    ),
    "cc_instruments_futures",
    "cc_exchanges_futures_details",
    *(f"cc_ohlcv_spot_indices_{i}_raw" for i in ("1d", "1h", "1m")),
    "cc_instruments_index",
}


def test_table_files_are_the_expected_set() -> None:
    assert set(table_names()) == EXPECTED_TABLES


@pytest.mark.parametrize("name", sorted(EXPECTED_TABLES))
def test_each_file_parses_with_keys_inside_columns(name: str) -> None:
    table = load_table(name)
    text = (TABLES_DIR / f"{name}.sql").read_text()
    declared = [line for line in text.splitlines() if line.lstrip().startswith("`")]
    assert table.name == name
    assert len(table.columns) == len(declared) > 3
    assert table.primary_key and set(table.primary_key) <= set(table.column_names)
    assert set(table.effective_shard_key) <= set(table.primary_key)
    assert all(not table.column(c).nullable for c in table.primary_key)
    assert list(table.polars_schema()) == list(table.column_names)
    bookkeeping = {"collected_at", "created_at", "updated_at"} & set(table.column_names)
    assert bookkeeping and all(table.column(c).default == "CURRENT_TIMESTAMP" for c in bookkeeping)


def test_legacy_choices_are_kept() -> None:
    spot = load_table("cc_ohlcv_spot_1d_raw")
    assert spot.primary_key == spot.shard_key == ("datetime", "exchange", "symbol")
    assert spot.column("first_trade_timestamp").sql_type == "DATETIME"
    assert spot.column("volume").sql_type == "DOUBLE"
    assert load_table("cc_ohlcv_spot_1m_raw").column_names == spot.column_names
    assert load_table("cc_assets").primary_key == ("asset_id",)
    market_data = load_table("cc_asset_market_data")
    assert market_data.primary_key == ("asset_id", "snapshot_ts")
    assert market_data.shard_key == ("asset_id",)
    assert market_data.sort_key == ("asset_id", "snapshot_ts DESC")
    futures = load_table("cc_futures_ohlcv_1h")
    assert futures.shard_key == () and futures.effective_shard_key == futures.primary_key
    index = load_table("cc_ohlcv_spot_indices_1h_raw")
    assert index.primary_key == ("datetime", "market", "asset")
    assert index.column("instrument").nullable  # additive column
    general = load_table("cc_exchanges_general")
    assert general.column("updated_at").on_update == "CURRENT_TIMESTAMP"


def test_polars_types() -> None:
    schema = load_table("cc_exchanges_general").polars_schema()
    assert schema["created_at"] == pl.Datetime("us")
    assert schema["item_types"] == pl.String  # JSON
    assert schema["description"] == pl.String  # TEXT
    assert schema["grade_points"] == pl.Float64
    assert schema["sort_order"] == pl.Int64  # INT
    assert schema["has_trades"] == pl.Boolean


def test_quarantine_template() -> None:
    table = load_table("cc_ohlcv_spot_1d_raw").quarantine
    assert table.name == "cc_ohlcv_spot_1d_raw_quarantine"
    assert load_table("cc_ohlcv_spot_1d_raw_quarantine") == table
    assert table.primary_key == ("row_hash",)
    assert {"data_set", "partition_key", "reason", "raw_json", "quarantined_at", "reviewed"} <= set(
        table.column_names
    )
    assert "{table}" not in table.sql


@pytest.mark.parametrize(
    "name",
    [
        "cc_nope",
        "cc_assets; DROP TABLE cc_assets",
        "",
        "cc_nope_quarantine",
        "../sql/tables/cc_assets",
    ],
)
def test_only_table_files_are_names(name: str) -> None:
    with pytest.raises(ConfigError, match="is not a warehouse table"):
        load_table(name)


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("    `a` DECIMAL(10) NOT NULL,", "unsupported column type"),
        ("    `a` BIGINT NOT NULL AUTO_INCREMENT,", "cannot parse"),
        ("    KEY (`a`),", "cannot parse"),
    ],
)
def test_parser_refuses_what_it_does_not_know(line: str, problem: str) -> None:
    sql = f"CREATE TABLE IF NOT EXISTS `t` (\n{line}\n    PRIMARY KEY (`a`)\n);"
    with pytest.raises(ValueError, match=f"t.sql:2: {problem}"):
        parse_table(sql, "t.sql")


@pytest.mark.parametrize(
    ("keys", "problem"),
    [
        ("SORT KEY (`a`)", "PRIMARY KEY is required"),
        ("PRIMARY KEY (`a`),\n    SHARD KEY (`b`)", "SHARD KEY inside the PRIMARY KEY"),
        ("PRIMARY KEY (`b`)", "must be NOT NULL"),
        ("PRIMARY KEY (`c`)", "not a column"),
    ],
)
def test_parser_enforces_key_rules(keys: str, problem: str) -> None:
    sql = (
        f"CREATE TABLE IF NOT EXISTS `t` (\n    `a` BIGINT NOT NULL,\n    `b` TEXT,\n    {keys}\n);"
    )
    with pytest.raises(ValueError, match=problem):
        parse_table(sql, "t.sql")


def test_family_tables_are_rendered_from_their_templates() -> None:
    stale = stale_tables()
    assert not stale, (
        f"{stale} in sql/tables differ from their template in sql/families: edit the template "
        f"(not the table file), then run `{RENDER_COMMAND}`."
    )


def test_every_template_is_a_family_and_every_family_table_exists() -> None:
    templates = {p.name for p in FAMILIES_DIR.iterdir() if p.name.endswith(".sql")}
    assert templates == {f"{family.template}.sql" for family in FAMILIES}
    rendered = {family.table_name(i) for family in FAMILIES for i in family.intervals}
    assert len(rendered) == 15 and rendered <= set(table_names())


def test_rendered_comments_say_legacy_only_where_true() -> None:
    spot = next(f for f in FAMILIES if f.template == "spot_ohlcv")
    assert "Legacy table" in render(spot, "1d")
    hourly = render(spot, "1h")
    assert "Legacy table" not in hourly and "New table" in hourly
    assert "hourly bars" in hourly and "{" not in hourly
    assert parse_table(hourly).name == "cc_ohlcv_spot_1h_raw"


def test_render_command_rewrites_a_hand_edited_table(tmp_path: Path) -> None:
    sql_dir = tmp_path / "sql"
    shutil.copytree(Path(str(TABLES_DIR)).parent, sql_dir, ignore=shutil.ignore_patterns("*.py*"))
    write_tables(sql_dir)  # start from rendered files whatever the checkout holds
    edited = sql_dir / "tables" / "cc_futures_ohlcv_1h.sql"
    original = edited.read_text()
    edited.write_text(original.replace("`volume`", "`volume_edited`"))
    (sql_dir / "tables" / "cc_futures_ohlcv_1m.sql").unlink()
    assert stale_tables(sql_dir) == ["cc_futures_ohlcv_1h.sql", "cc_futures_ohlcv_1m.sql"]
    assert write_tables(sql_dir) == ["cc_futures_ohlcv_1h.sql", "cc_futures_ohlcv_1m.sql"]
    assert edited.read_text() == original
    assert stale_tables(sql_dir) == []
