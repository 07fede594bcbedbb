"""``custos-scan``: the desk scanner client (CONTRACT.md, "The scanner client").

Exit codes: 0 done; 1 the server is unreachable (or another sender holds the spool), so
scans are still waiting; 2 a bad argument or code (nothing written); 3 the server refused
the token or the URL (fix the configuration; retrying will not help); 4 (``audit``) the
server's ledger no longer holds a receipt this desk keeps.
"""

from __future__ import annotations

import argparse
import json
import queue
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from scanners import config, messages
from scanners.audit import AuditRefused, AuditUnreachable, receipts_audit
from scanners.flow import ACTIONS, DeskFlow, FlowError, Step, build_scans
from scanners.reader import Cleaner, Debouncer, ReadError
from scanners.sender import AuthRefused, Busy, Sender, SpoolLock, SyncReport, Unreachable
from scanners.spool import Spool

EXIT_OK, EXIT_UNREACHABLE, EXIT_USAGE, EXIT_REFUSED, EXIT_NOT_HELD = 0, 1, 2, 3, 4


def _err(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="custos-scan", description="Custos desk scanner client / 涉密载体扫描客户端"
    )
    p.add_argument("--config", help="TOML configuration file (default ~/.config/custos/scan.toml)")
    p.add_argument("--spool", help="spool file (env CUSTOS_SPOOL)")
    p.add_argument("--server", help="server base URL (env CUSTOS_SERVER)")
    sub = p.add_subparsers(dest="command", required=True)

    q = sub.add_parser("enqueue", help="write scans to the spool / 登记扫描")
    q.add_argument("--action", required=True, choices=ACTIONS)
    q.add_argument("--carrier", required=True, action="append", help="C… (repeatable)")
    q.add_argument("--actor", required=True, help="P… the person scanning")
    q.add_argument("--counterpart", help="P… the receiver or witness")
    q.add_argument("--host", help="C… install_storage: the computer or device it goes into")
    q.add_argument("--location", help="L… (default: the configured location)")
    q.add_argument("--due-at", help="ISO-8601 date or time")
    q.add_argument("--note")
    q.add_argument(
        "--carry-out", type=int, help="carry_out / carry_in: the approved carry-out request id"
    )
    q.add_argument(
        "--meeting", type=int, help="checkout / return: the meeting the copies are issued at"
    )

    s = sub.add_parser("sync", help="deliver what waits / 上传")
    s.add_argument(
        "--retry-for",
        type=float,
        default=10.0,
        help="seconds to keep retrying without progress before exit 1 (default 10)",
    )
    s.add_argument("--forever", action="store_true", help="keep retrying until delivered")
    s.add_argument("--quiet", action="store_true", help="no progress on stderr")

    st = sub.add_parser("status", help="waiting / sent / refused counts / 状态")
    st.add_argument("--json", action="store_true")

    rf = sub.add_parser("refused", help="scans the server refused, with its reasons / 被拒记录")
    rf.add_argument("--json", action="store_true")

    r = sub.add_parser("run", help="interactive desk flow / 交互式收发")
    r.add_argument("--serial", nargs="?", const="", metavar="PORT", help="read a serial scanner")
    r.add_argument("--baud", type=int)
    r.add_argument("--location", help="L… (default: the configured location)")
    r.add_argument("--due-days", type=int, help="due back after N days (checkout, dispatch …)")
    r.add_argument("--no-sync", action="store_true", help="only spool; do not send")

    a = sub.add_parser("audit", help="prove every kept receipt with the server / 回执核验")
    a.add_argument("--json", action="store_true")

    d = sub.add_parser("decode", help="decode barcodes in image files / 识别图片条码")
    d.add_argument("images", nargs="+", type=Path)
    return p


# -- enqueue -----------------------------------------------------------------------------


def cmd_enqueue(args: argparse.Namespace, settings: config.Settings) -> int:
    try:
        scans = build_scans(
            action=args.action,
            carriers=args.carrier,
            actor=args.actor,
            counterpart=args.counterpart,
            host=args.host,
            location=args.location or settings.location,
            due_at=args.due_at,
            note=args.note,
            carry_out=args.carry_out,
            meeting=args.meeting,
        )
    except FlowError as exc:
        _err(messages.bad_code(exc.reason, exc.message))
        return EXIT_USAGE
    with Spool(settings.spool) as spool:
        ids = spool.enqueue(scans)
    print("\n".join(ids))
    return EXIT_OK


# -- sync --------------------------------------------------------------------------------


class Progress:
    """Progress on stderr for syncs longer than one batch, at most twice a second."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self._last = 0.0

    def __call__(self, report: SyncReport) -> None:
        now = time.monotonic()
        if self.quiet or report.total <= 1000 or now - self._last < 0.5:
            return
        self._last = now
        _err(messages.text("progress", done=report.done, total=report.total, rate=report.rate))


def _show_refusals(spool: Spool) -> None:
    for r in spool.refusals(unseen_only=True):
        _err(
            messages.BELL
            + messages.text(
                "refused",
                carrier=r.carrier,
                action=r.action,
                code=r.error_code,
                message=r.error_message,
            )
        )
    # Shown once here; `status` and `refused` keep listing them.
    spool.mark_seen(r.id for r in spool.refusals(unseen_only=True))


def cmd_sync(args: argparse.Namespace, settings: config.Settings) -> int:
    return _sync(settings, retry_for=None if args.forever else args.retry_for, quiet=args.quiet)


def _sync(settings: config.Settings, *, retry_for: float | None, quiet: bool) -> int:
    """Deliver what waits; the exit code of `sync` (0, 1 or 3)."""
    if not settings.token:
        _err(messages.text("no_token"))
        return EXIT_REFUSED
    lock = SpoolLock(settings.spool)
    with Spool(settings.spool) as spool:
        try:
            lock.acquire(wait=retry_for if retry_for is not None else 3600.0)
        except Busy:
            _err(messages.text("busy"))
            return EXIT_UNREACHABLE
        sender = Sender(
            spool,
            server=settings.server,
            token=settings.token,
            batch_size=settings.batch_size,
            progress=Progress(quiet),
        )
        try:
            report = sender.drain(retry_for=retry_for)
        except Unreachable as exc:
            waiting = spool.counts()["waiting"]
            _err(messages.text("unreachable", server=settings.server, detail=exc, n=waiting))
            return EXIT_UNREACHABLE
        except AuthRefused as exc:
            _err(messages.BELL + messages.text("auth", status=exc.status, detail=exc.detail))
            return EXIT_REFUSED
        finally:
            sender.close()
            lock.release()
            _show_refusals(spool)
        counts = spool.counts()
    if not quiet:
        _err(
            messages.text(
                "synced",
                recorded=report.recorded,
                duplicate=report.duplicate,
                refused=report.refused,
                waiting=counts["waiting"],
            )
        )
    return EXIT_OK if counts["waiting"] == 0 else EXIT_UNREACHABLE


# -- status / refused --------------------------------------------------------------------


def cmd_status(args: argparse.Namespace, settings: config.Settings) -> int:
    with Spool(settings.spool) as spool:
        counts = spool.counts()
        refusals = spool.refusals()
    if args.json:
        print(json.dumps(counts))
        return EXIT_OK
    print(
        f"待上传 waiting {counts['waiting']}  已上传 sent {counts['sent']}"
        f"  被拒 refused {counts['refused']}"
    )
    for r in refusals:
        print(f"  ✗ {r.carrier} {r.action} {r.error_code}: {r.error_message} ({r.id})")
    return EXIT_OK


def cmd_refused(args: argparse.Namespace, settings: config.Settings) -> int:
    with Spool(settings.spool) as spool:
        refusals = spool.refusals()
    if args.json:
        items = [
            {
                "id": r.id,
                "carrier": r.carrier,
                "action": r.action,
                "error": {"code": r.error_code, "message": r.error_message},
                "answered_at": r.answered_at,
            }
            for r in refusals
        ]
        print(json.dumps(items, ensure_ascii=False))
        return EXIT_OK
    for r in refusals:
        print(f"{r.answered_at}  {r.carrier}  {r.action}  {r.error_code}: {r.error_message}")
    return EXIT_OK


# -- decode ------------------------------------------------------------------------------


def cmd_decode(args: argparse.Namespace, settings: config.Settings) -> int:
    from scanners.image_input import decode_image

    status = EXIT_OK
    for path in args.images:
        try:
            found = decode_image(path)
        except OSError as exc:
            _err(f"{path}: {exc}")
            status = EXIT_USAGE
            continue
        if not found:
            _err(messages.BELL + messages.text("decoded_none", path=path))
            status = EXIT_USAGE
        for item in found:
            if isinstance(item, ReadError):
                _err(messages.bad_code(item.reason, f"{item.raw}: {item.message}"))
                status = EXIT_USAGE
            else:
                print(item.text)
    return status


# -- run ---------------------------------------------------------------------------------


def _stdin_lines(events: queue.Queue[tuple[str, str]]) -> None:
    for line in sys.stdin:
        events.put(("line", line))
    events.put(("eof", ""))


def _background_sender(
    settings: config.Settings, events: queue.Queue[tuple[str, str]], stop: threading.Event
) -> None:
    """Deliver the spool while the desk works; refusals are reported to the clerk."""
    assert settings.token  # noqa: S101 - checked by the caller
    lock = SpoolLock(settings.spool)
    with Spool(settings.spool) as spool:
        while not stop.is_set():
            if spool.counts()["waiting"]:
                try:
                    lock.acquire()
                except Busy:
                    stop.wait(2.0)  # a `custos-scan sync` is running: let it
                    continue
                sender = Sender(
                    spool,
                    server=settings.server,
                    token=settings.token,
                    batch_size=settings.batch_size,
                    stop=stop,
                )
                try:
                    sender.drain(retry_for=None)
                except AuthRefused as exc:
                    events.put(
                        ("bell", messages.text("auth", status=exc.status, detail=exc.detail))
                    )
                    stop.wait(30.0)
                finally:
                    sender.close()
                    lock.release()
            for r in spool.refusals(unseen_only=True):
                events.put(
                    (
                        "bell",
                        messages.text(
                            "refused",
                            carrier=r.carrier,
                            action=r.action,
                            code=r.error_code,
                            message=r.error_message,
                        ),
                    )
                )
                spool.mark_seen([r.id])
            stop.wait(1.0)


def cmd_run(args: argparse.Namespace, settings: config.Settings) -> int:
    scanner = settings.scanner
    events: queue.Queue[tuple[str, str]] = queue.Queue()
    stop = threading.Event()
    threading.Thread(target=_stdin_lines, args=(events,), daemon=True).start()
    port = args.serial if args.serial else (scanner.port if args.serial == "" else None)
    if args.serial == "" and not port:
        _err("--serial: no port given and none configured (CUSTOS_SCANNER_PORT)")
        return EXIT_USAGE
    if port:
        from scanners.serial_input import serial_reads

        def pump() -> None:
            for raw in serial_reads(
                port,
                args.baud or scanner.baud,
                stop=stop,
                on_error=lambda exc: events.put(
                    ("bell", messages.text("serial_error", detail=exc))
                ),
            ):
                events.put(("line", raw.decode("latin-1")))

        threading.Thread(target=pump, daemon=True).start()
    background: threading.Thread | None = None
    if settings.token and not args.no_sync:
        background = threading.Thread(
            target=_background_sender, args=(settings, events, stop), daemon=True
        )
        background.start()
    elif not args.no_sync:
        _err(messages.text("no_token"))

    with Spool(settings.spool) as spool:
        flow = DeskFlow(
            spool=spool,
            location=args.location or settings.location,
            due_days=args.due_days,
            cleaner=Cleaner(prefix=scanner.prefix, suffix=scanner.suffix),
            debouncer=Debouncer(scanner.debounce_seconds),
        )
        print(flow.prompt().text, flush=True)
        try:
            while flow.step is not Step.DONE:
                kind, payload = events.get()
                if kind == "eof":
                    break
                if kind == "bell":
                    print(messages.BELL + payload, flush=True)
                    continue
                for say in flow.feed(payload):
                    print(say.text, flush=True)
        except KeyboardInterrupt:
            pass
        finally:
            stop.set()
    if background is not None:
        # One last short try before the desk closes, so a handover confirmed just now
        # does not wait for the next start; whatever still waits stays in the spool.
        background.join(timeout=10)
        _sync(settings, retry_for=5.0, quiet=False)
    return EXIT_OK


def cmd_audit(args: argparse.Namespace, settings: config.Settings) -> int:
    """Exit 0 when the server still holds every receipt; 4 naming each it does not."""
    if not settings.token:
        _err(messages.text("no_token"))
        return EXIT_REFUSED
    with Spool(settings.spool) as spool:
        receipts = spool.receipts()
    try:
        report = receipts_audit(receipts, server=settings.server, token=settings.token)
    except AuditUnreachable as exc:
        _err(messages.text("unreachable", server=settings.server, detail=exc, n=0))
        return EXIT_UNREACHABLE
    except AuditRefused as exc:
        _err(messages.BELL + messages.text("auth", status=exc.status, detail=""))
        return EXIT_REFUSED
    if args.json:
        print(
            json.dumps(
                {
                    "checked": report.checked,
                    "held": report.held,
                    "not_held": [_not_held(n) for n in report.not_held],
                },
                ensure_ascii=False,
            )
        )
    else:
        for n in report.not_held:
            print(f"NOT HELD {n.carrier} {n.id} seq {n.seq} {n.status}: {n.reason}")
        print(messages.text("audited", checked=report.checked, held=report.held))
    return EXIT_NOT_HELD if report.not_held else EXIT_OK


def _not_held(n: object) -> dict[str, object]:
    return {k: getattr(n, k) for k in ("id", "carrier", "seq", "status", "reason")}


COMMANDS = {
    "audit": cmd_audit,
    "enqueue": cmd_enqueue,
    "sync": cmd_sync,
    "status": cmd_status,
    "refused": cmd_refused,
    "run": cmd_run,
    "decode": cmd_decode,
}


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = config.load(args.config).with_overrides(
            server=args.server.rstrip("/") if args.server else None,
            spool=Path(args.spool) if args.spool else None,
        )
    except config.ConfigError as exc:
        _err(str(exc))
        return EXIT_USAGE
    return COMMANDS[args.command](args, settings)


if __name__ == "__main__":
    raise SystemExit(main())
