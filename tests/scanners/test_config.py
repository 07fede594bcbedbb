"""Settings: the TOML file, overlaid by the environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanners import config


def test_the_environment_wins_over_the_file(tmp_path: Path) -> None:
    path = tmp_path / "scan.toml"
    path.write_text(
        'server = "http://file:1/"\ntoken = "from-file"\nlocation = "L-SAFE-AF"\n'
        '[scanner]\nport = "/dev/ttyS9"\nbaud = 19200\nprefix = "\\u0002"\n'
    )
    settings = config.load(path, env={"CUSTOS_TOKEN": "from-env", "HOME": str(tmp_path)})
    assert settings.server == "http://file:1"
    assert settings.token == "from-env"
    assert settings.location == "L-SAFE-AF"
    assert (settings.scanner.port, settings.scanner.baud, settings.scanner.prefix) == (
        "/dev/ttyS9",
        19200,
        "\x02",
    )
    env = {"CUSTOS_SCANNER_PORT": "/dev/ttyACM0", "CUSTOS_SPOOL": str(tmp_path / "s.db")}
    settings = config.load(path, env=env)
    assert settings.scanner.port == "/dev/ttyACM0"
    assert settings.spool == tmp_path / "s.db"


def test_the_default_file_is_under_xdg_config_home_and_may_be_absent(tmp_path: Path) -> None:
    env = {"XDG_CONFIG_HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "data")}
    assert config.load(env=env).spool == tmp_path / "data" / "custos" / "spool.sqlite3"
    (tmp_path / "custos").mkdir()
    (tmp_path / "custos" / "scan.toml").write_text('server = "http://desk:8000"\n')
    assert config.load(env=env).server == "http://desk:8000"


def test_a_named_file_that_is_missing_or_broken_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(config.ConfigError):
        config.load(tmp_path / "nope.toml", env={})
    broken = tmp_path / "broken.toml"
    broken.write_text("server = \n")
    with pytest.raises(config.ConfigError):
        config.load(broken, env={})


def test_a_batch_above_the_contracts_1000_is_refused(tmp_path: Path) -> None:
    with pytest.raises(config.ConfigError):
        config.load(env={"CUSTOS_SCAN_BATCH": "5000", "XDG_CONFIG_HOME": str(tmp_path)})
