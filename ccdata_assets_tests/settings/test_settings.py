"""Each wrong setting stops the code location with one sentence naming the setting."""

import pytest

from ccdata_assets.api.settings import REAL_API_BASE_URL, api_settings
from ccdata_assets.datasets.settings import universe_settings
from ccdata_assets.settings import ConfigError
from ccdata_assets.warehouse.settings import warehouse_settings


def test_nothing_set_means_embedded_simulator_and_local_warehouse(tmp_path) -> None:
    api = api_settings({})
    assert api.embedded and api.source_label.startswith("simulated")
    warehouse = warehouse_settings({"CCDATA_HOME": str(tmp_path)})
    assert warehouse.embedded and warehouse.local_dir == tmp_path and warehouse.database == "market"


def test_a_key_alone_means_the_real_api_and_the_key_never_shows_in_repr() -> None:
    api = api_settings({"CCDATA_API_KEY": "sk-SECRET"})
    assert api.base_url == REAL_API_BASE_URL and api.source_label.startswith("real")
    assert "sk-SECRET" not in repr(api)


def test_per_run_pacing_reaches_the_api_resource() -> None:
    from ccdata_assets.api.resource import CCDataApiResource

    settings = api_settings({"CCDATA_CALLS_PER_SECOND": "5", "CCDATA_CALLS_PER_MINUTE": "120"})
    resource = CCDataApiResource.from_settings(settings)
    assert (resource.calls_per_second, resource.calls_per_minute) == (5, 120)
    with pytest.raises(ConfigError, match="CCDATA_CALLS_PER_SECOND"):
        api_settings({"CCDATA_CALLS_PER_SECOND": "fast"})


def test_singlestore_url_with_percent_encoded_password() -> None:
    s = warehouse_settings({"SINGLESTOREDB_URL": "mysql://admin:p%2Bw%40rd@db.example:3307/prod"})
    assert (s.host, s.port, s.user, s.password, s.database) == (
        "db.example",
        3307,
        "admin",
        "p+w@rd",
        "prod",
    )
    assert "p+w@rd" not in repr(s)


@pytest.mark.parametrize(
    ("env", "setting"),
    [
        ({"DATA_API_BASE_URL": "ftp://example"}, "DATA_API_BASE_URL"),
        ({"S2_HOST": "db", "S2_PORT": "abc"}, "S2_PORT"),
        ({"S2_HOST": "db", "S2_PORT": "70000"}, "S2_PORT"),
        ({"S2_PASSWORD": "x"}, "S2_PASSWORD"),
        ({"S2_DATABASE": "market; DROP TABLE x"}, "S2_DATABASE"),
        ({"SINGLESTOREDB_URL": "http://db:9000/market"}, "SINGLESTOREDB_URL"),
        ({"SINGLESTOREDB_URL": "mysql://db/market?read_timeout=5"}, "S2_READ_TIMEOUT"),
        ({"DATA_API_BASE_URL": "https://user:pw@data-api.example"}, "CCDATA_API_KEY"),
        ({"CCDATA_SOURCE": "production"}, "CCDATA_SOURCE"),
        ({"CCDATA_SOURCE": "api"}, "CCDATA_API_KEY"),
        ({"S2_HOST": "db", "S2_SSL_CA": "/nonexistent/ca.pem"}, "S2_SSL_CA"),
        ({"S2_HOST": "db", "S2_READ_TIMEOUT": "0"}, "S2_READ_TIMEOUT"),
        ({"S2_HOST": "db", "S2_CONNECT_TIMEOUT": "soon"}, "S2_CONNECT_TIMEOUT"),
    ],
)
def test_bad_connection_settings_name_themselves(env, setting) -> None:
    with pytest.raises(ConfigError, match=setting) as error:
        api_settings(env)
        warehouse_settings(env)
    message = str(error.value)
    assert message.count(". ") == 0 and message.endswith(".")  # one sentence


@pytest.mark.parametrize(
    ("env", "setting"),
    [
        ({"CCDATA_MIN_EXCHANGE_GRADE": "Z"}, "CCDATA_MIN_EXCHANGE_GRADE"),
        ({"CCDATA_FUTURES_STATUSES": "ACTIVE,GONE"}, "CCDATA_FUTURES_STATUSES"),
        ({"CCDATA_INDEX_MARKETS": "cadli,c c"}, "CCDATA_INDEX_MARKETS"),
        ({"CCDATA_TOP_N_ASSETS": "many"}, "CCDATA_TOP_N_ASSETS"),
        ({"CCDATA_START_DATE": "yesterday"}, "CCDATA_START_DATE"),
        ({"CCDATA_SPOT_EXCHANGES": "binance,Bad Name"}, "CCDATA_SPOT_EXCHANGES"),
    ],
)
def test_bad_universe_settings_name_themselves(env, setting) -> None:
    with pytest.raises(ConfigError, match=setting):
        universe_settings(env)


def test_bad_settings_stop_the_code_location_loading(monkeypatch) -> None:
    from ccdata_assets.definitions import build_definitions

    monkeypatch.setenv("S2_HOST", "db.example")
    monkeypatch.setenv("S2_PORT", "not-a-port")
    with pytest.raises(ConfigError, match="S2_PORT must be a whole number"):
        build_definitions()


def test_credentials_in_the_api_url_are_refused_without_echoing_them() -> None:
    with pytest.raises(ConfigError) as error:
        api_settings({"DATA_API_BASE_URL": "https://user:hunter2@data-api.example"})
    assert "hunter2" not in str(error.value) and "CCDATA_API_KEY" in str(error.value)


def test_the_data_source_is_explicit_or_follows_the_key() -> None:
    assert api_settings({}).source == "simulator"
    assert api_settings({"CCDATA_API_KEY": "k"}).source == "api"
    keyed_sim = api_settings({"CCDATA_API_KEY": "k", "CCDATA_SOURCE": "simulator"})
    assert keyed_sim.simulated and keyed_sim.embedded and keyed_sim.source_explicit
    standalone = api_settings({"DATA_API_BASE_URL": "http://127.0.0.1:8765"})
    assert standalone.simulated and standalone.source_label.startswith("simulated (simulator at")


def test_warehouse_timeouts_and_tls_have_defaults_and_overrides(tmp_path) -> None:
    default = warehouse_settings({"S2_HOST": "db"})
    assert (default.connect_timeout, default.read_timeout, default.write_timeout) == (10, 300, 300)
    assert default.ssl_ca is None
    ca = tmp_path / "ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\n")
    tuned = warehouse_settings(
        {"S2_HOST": "db", "S2_READ_TIMEOUT": "30", "S2_SSL_CA": str(ca), "S2_WRITE_TIMEOUT": "9"}
    )
    assert (tuned.read_timeout, tuned.write_timeout, tuned.ssl_ca) == (30, 9, str(ca))
    from_url = warehouse_settings({"SINGLESTOREDB_URL": f"mysql://u:p@svc:3306/market?ssl_ca={ca}"})
    assert from_url.ssl_ca == str(ca) and from_url.host == "svc"
