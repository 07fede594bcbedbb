"""The unit's label printers, configured by name, and sending a job to one.

Printers come from ``CUSTOS_PRINTERS`` (README: ``name=raw://host:9100?dpi=203&size=50x30``
or ``name=cups://queue?format=pdf``), never from the request: a registrar picks a printer
by name, so the API cannot be turned into a way to open connections to arbitrary hosts.

- ``raw://host:port`` — ZPL II over a raw socket ("JetDirect", port 9100), via
  :func:`labels.printer.send_raw`; each copy is one complete job.
- ``cups://queue`` — through the CUPS ``lp`` command where it is installed: the label as
  PDF (any printer CUPS drives) or, with ``format=zpl``, ZPL with ``-o raw`` for a Zebra
  queue. ``-n copies`` asks CUPS for the copies.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

import labels
from backend.errors import ServiceError
from labels.layout import check_dpi
from labels.printer import RAW_PORT, send_raw

SEND_TIMEOUT = 5.0  # seconds; the carrier row stays locked while a job is sent


class PrinterError(ServiceError):
    """The printer did not take the job: 503, nothing recorded (the print rolled back)."""

    def __init__(self, printer: str, message: str) -> None:
        super().__init__(
            "printer_unavailable",
            f"打印机 {printer} 无法接收任务 / Printer {printer} did not take the job: {message}",
            {"printer": printer},
        )

    @property
    def status(self) -> int:
        return 503


@dataclass(frozen=True, slots=True)
class Printer:
    name: str
    scheme: str  # "raw" or "cups"
    host: str = ""  # raw: the printer's address
    port: int = RAW_PORT
    queue: str = ""  # cups: the queue name given to lp -d
    fmt: str = "zpl"  # what is sent: "zpl" or "pdf"
    dpi: int = 203
    size: str | None = None  # label stock loaded; None: the kind's default

    def render(self, spec: labels.LabelSpec, size: str | None = None) -> bytes:
        return labels.render(spec, self.fmt, dpi=self.dpi, size=size or self.size)

    def send(self, job: bytes, copies: int) -> None:
        try:
            if self.scheme == "raw":
                send_raw(job, self.host, self.port, copies=copies, timeout=SEND_TIMEOUT)
            else:
                _lp(self, job, copies)
        except (OSError, subprocess.SubprocessError) as exc:
            raise PrinterError(self.name, str(exc) or type(exc).__name__) from None


def _lp(printer: Printer, job: bytes, copies: int) -> None:
    lp = shutil.which("lp")
    if lp is None:
        raise PrinterError(printer.name, "CUPS (lp) is not installed on this server")
    args = [lp, "-s", "-d", printer.queue, "-n", str(copies), "-t", "custos-label"]
    if printer.fmt == "zpl":
        args += ["-o", "raw"]  # the Zebra queue takes our ZPL as it is, no filter
    done = subprocess.run(  # noqa: S603 - fixed argv, queue name from the settings
        args, input=job, capture_output=True, timeout=SEND_TIMEOUT * 4, check=False
    )
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip() or f"lp exit {done.returncode}"
        raise PrinterError(printer.name, message)


def parse(entry: str) -> Printer:
    """``name=raw://host:9100?dpi=203&size=50x30`` or ``name=cups://queue?format=pdf``."""
    name, sep, url = entry.partition("=")
    if not sep or not name.strip():
        raise ValueError(f"CUSTOS_PRINTERS entry {entry!r} is not name=url")
    parts = urlsplit(url.strip())
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    common: dict[str, Any] = {"name": name.strip()}
    if "dpi" in query:
        common["dpi"] = check_dpi(int(query["dpi"]))
    if "size" in query:
        common["size"] = query["size"]
    if parts.scheme == "raw":
        if not parts.hostname:
            raise ValueError(f"printer {name!r}: raw:// needs a host")
        return Printer(
            scheme="raw", host=parts.hostname, port=parts.port or RAW_PORT, fmt="zpl", **common
        )
    if parts.scheme == "cups":
        fmt = query.get("format", "pdf")
        if fmt not in ("pdf", "zpl"):
            raise ValueError(f"printer {name!r}: format is pdf or zpl")
        queue = parts.netloc or parts.path.lstrip("/")
        return Printer(scheme="cups", queue=queue, fmt=fmt, **common)
    raise ValueError(f"printer {name!r}: use raw://host:port or cups://queue")


def configured() -> dict[str, str]:
    """Printer name → its configuration entry (parsed when used, so one mistyped entry
    takes only that printer out of service)."""
    return {e.partition("=")[0].strip(): e for e in settings.CUSTOS_PRINTERS}


def printer_get(name: str) -> Printer:
    entries = configured()
    entry = entries.get(name.strip())
    if entry is None:
        raise ServiceError(
            "invalid",
            _("No printer is named %(name)s.") % {"name": repr(name)},
            {"field": "printer", "allowed": sorted(entries)},
        )
    try:
        return parse(entry)
    except (ValueError, labels.LabelError) as exc:
        raise PrinterError(name.strip(), f"CUSTOS_PRINTERS: {exc}") from None
