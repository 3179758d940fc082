"""Simulated CryptoCompare/CoinDesk Data API: the real paths, parameters and JSON shapes with
deterministic synthetic data. The platform's embedded default when no API key/base URL is set.

    with serve_in_thread(SimulatorConfig(now=1_750_000_000)) as sim:
        requests.get(f"{sim.base_url}/spot/v1/historical/days?market=kraken&instrument=BTC-USD",
                     headers={"authorization": "Apikey any"})
"""

from ccdata_assets.simulator import universe
from ccdata_assets.simulator.app import create_app
from ccdata_assets.simulator.config import FaultConfig, SimulatorConfig
from ccdata_assets.simulator.server import SimulatorHandle, serve, serve_in_thread
from ccdata_assets.simulator.stats import SimulatorStats

__all__ = [
    "FaultConfig",
    "SimulatorConfig",
    "SimulatorHandle",
    "SimulatorStats",
    "create_app",
    "serve",
    "serve_in_thread",
    "universe",
]
