"""Settings of the desk client: a TOML file, then the environment, then the command line.

The environment wins over the file so that one desk PC can keep its file and still be
pointed at another server for a test; command-line flags win over both (cli.py applies
them). Example ``~/.config/custos/scan.toml``::

    server = "https://custos.example.org"
    token = "…"
    spool = "/var/lib/custos/spool.sqlite3"
    location = "L-DESK-1X"

    [scanner]
    port = "/dev/ttyACM0"
    baud = 9600
    prefix = ""
    suffix = ""
    debounce_seconds = 2.0
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

DEFAULT_SERVER = "http://127.0.0.1:8000"


class ConfigError(ValueError):
    """The configuration file or a setting cannot be used."""


def default_config_path(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    base = env.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "custos" / "scan.toml"


def default_spool_path(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    base = env.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "custos" / "spool.sqlite3"


@dataclass(frozen=True, slots=True)
class ScannerSettings:
    port: str | None = None
    baud: int = 9600
    prefix: str = ""
    suffix: str = ""
    debounce_seconds: float = 2.0


@dataclass(frozen=True, slots=True)
class Settings:
    server: str = DEFAULT_SERVER
    token: str | None = None
    spool: Path = field(default_factory=default_spool_path)
    location: str | None = None
    batch_size: int = 1000
    scanner: ScannerSettings = field(default_factory=ScannerSettings)

    def with_overrides(self, **changes: Any) -> Settings:
        """A copy with the given non-None values replaced (for command-line flags)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


def _as_int(name: str, value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{name} must be a whole number, not {value!r}.") from None


def _as_float(name: str, value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{name} must be a number, not {value!r}.") from None


def _read_file(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        return {}
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: {exc}") from None


def load(config_path: Path | str | None = None, env: Mapping[str, str] | None = None) -> Settings:
    """Settings from the file (``config_path``, ``CUSTOS_SCAN_CONFIG`` or the default
    location; a missing default file is fine, a missing named one is not) overlaid by
    the environment."""
    env = os.environ if env is None else env
    named = config_path or env.get("CUSTOS_SCAN_CONFIG")
    path = Path(named).expanduser() if named else default_config_path(env)
    if named and not path.exists():
        raise ConfigError(f"Configuration file {path} does not exist.")
    data = _read_file(path)
    scan = data.get("scanner", {})
    if not isinstance(scan, dict):
        raise ConfigError(f"{path}: [scanner] must be a table.")

    server = env.get("CUSTOS_SERVER") or data.get("server") or DEFAULT_SERVER
    token = env.get("CUSTOS_TOKEN") or data.get("token")
    spool = env.get("CUSTOS_SPOOL") or data.get("spool")
    location = env.get("CUSTOS_LOCATION") or data.get("location")
    batch = _as_int("batch_size", env.get("CUSTOS_SCAN_BATCH") or data.get("batch_size", 1000))
    if not 1 <= batch <= 1000:
        # CONTRACT.md: POST /scans takes 1 to 1000 scans.
        raise ConfigError("batch_size must be between 1 and 1000.")

    scanner = ScannerSettings(
        port=env.get("CUSTOS_SCANNER_PORT") or scan.get("port"),
        baud=_as_int("baud", env.get("CUSTOS_SCANNER_BAUD") or scan.get("baud", 9600)),
        prefix=str(scan.get("prefix", "")),
        suffix=str(scan.get("suffix", "")),
        debounce_seconds=_as_float("debounce_seconds", scan.get("debounce_seconds", 2.0)),
    )
    return Settings(
        server=str(server).rstrip("/"),
        token=str(token) if token else None,
        spool=Path(spool).expanduser() if spool else default_spool_path(env),
        location=str(location) if location else None,
        batch_size=batch,
        scanner=scanner,
    )
