"""The warehouse: SingleStore DDL in sql/, typed polars reads, idempotent upserts, IO manager."""

from ccdata_assets.warehouse.batches import Batch, BatchStream
from ccdata_assets.warehouse.connection import WarehouseConnectionError
from ccdata_assets.warehouse.ddl import Column, TableDef, load_table, quarantine_table, table_names
from ccdata_assets.warehouse.dialects import Dialect
from ccdata_assets.warehouse.io_manager import WarehouseIOManager, table_metadata
from ccdata_assets.warehouse.resource import WarehouseResource
from ccdata_assets.warehouse.warehouse import Session, Warehouse

__all__ = [
    "Batch",
    "BatchStream",
    "Column",
    "Dialect",
    "Session",
    "TableDef",
    "Warehouse",
    "WarehouseConnectionError",
    "WarehouseIOManager",
    "WarehouseResource",
    "load_table",
    "quarantine_table",
    "table_metadata",
    "table_names",
]
