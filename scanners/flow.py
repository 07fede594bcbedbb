"""The desk flow: choose an action, scan carriers, scan the receiver's badge, confirm.

The same sequence as the web desk, for a desk with only a scanner and a terminal. It is
a plain state machine fed one line at a time (typed, or read by a wedge or serial
scanner) that answers with what to show; it never touches the terminal or the network
itself, so it is tested without either. A confirmed handover is written to the spool in
one transaction; the sender delivers it whenever the server is there.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import Enum, auto

from labels.codes import Code, CodeError, Kind, parse
from scanners import messages
from scanners.messages import ACTION_NAMES, KIND_NAMES
from scanners.reader import Cleaner, Debouncer, ReadError
from scanners.spool import Scan, Spool, new_scan

ACTIONS: tuple[str, ...] = tuple(ACTION_NAMES)
# CONTRACT.md: these name the receiving person (or the witness) as `counterpart`.
NEEDS_COUNTERPART = frozenset({"checkout", "transfer", "receive", "destroy_witness"})
# Actions after which something is due back; `--due-days` sets `due_at` for them.
HAS_DUE = frozenset({"checkout", "dispatch", "repair_out"})
# CONTRACT.md: this names the computer or device the media go into as `host`.
NEEDS_HOST = frozenset({"install_storage"})
# CONTRACT.md: these name their approved carry-out request (``"carry_out": id``); only
# ``enqueue --carry-out ID`` sends them, the interactive flow does not offer them.
NEEDS_REQUEST = frozenset({"carry_out", "carry_in"})
# CONTRACT.md: a copy issued and collected at a meeting names it (``"meeting": id``), sent
# by ``enqueue --meeting ID``; the meeting's desk page (backend/desk) does the same.
AT_MEETING = frozenset({"checkout", "return"})
DESK_ACTIONS: tuple[str, ...] = tuple(a for a in ACTIONS if a not in NEEDS_REQUEST)


class FlowError(ValueError):
    """A bad argument to :func:`build_scans`; ``reason`` as in the API."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


def _checked(raw: str, kind: Kind, what: str) -> str:
    try:
        return parse(raw, kind=kind).text
    except CodeError as exc:
        raise FlowError(exc.reason, f"{what}: {exc.message}") from None


def normalize_due(raw: str | None) -> str | None:
    """ISO-8601 with an offset; a date or a naive time is taken on the desk's clock."""
    if raw is None:
        return None
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise FlowError("invalid", f"due-at: {raw!r} is not an ISO-8601 date or time") from None
    if moment.tzinfo is None:
        moment = moment.astimezone()  # the desk's local zone
    return moment.isoformat()


def build_scans(
    *,
    action: str,
    carriers: Sequence[str],
    actor: str,
    counterpart: str | None = None,
    location: str | None = None,
    due_at: str | None = None,
    note: str | None = None,
    host: str | None = None,
    carry_out: int | None = None,
    meeting: int | None = None,
) -> list[Scan]:
    """Checked scans, one per carrier, ready for the spool. Raises :class:`FlowError`."""
    if action not in ACTIONS:
        raise FlowError("invalid", f"unknown action {action!r}")
    if (action in NEEDS_REQUEST) != (carry_out is not None):
        raise FlowError(
            "invalid",
            "carry_out and carry_in (and only they) name their carry-out request: --carry-out ID"
            " / 携带外出和外出带回须注明携带外出申请编号",
        )
    if meeting is not None and action not in AT_MEETING:
        raise FlowError(
            "invalid",
            "only checkout and return name a meeting (--meeting ID)"
            " / 只有会议发放和收回注明会议编号",
        )
    if not carriers:
        raise FlowError("invalid", "at least one carrier is needed")
    actor_code = _checked(actor, Kind.PERSON, "actor")
    other = _checked(counterpart, Kind.PERSON, "counterpart") if counterpart else None
    place = _checked(location, Kind.LOCATION, "location") if location else None
    if action in NEEDS_HOST and not host:
        raise FlowError("invalid", f"{action} names the device the storage goes into (host)")
    device = _checked(host, Kind.CARRIER, "host") if host and action in NEEDS_HOST else None
    due = normalize_due(due_at)
    now = datetime.now(UTC)  # one handover, one moment
    return [
        new_scan(
            action=action,
            carrier=_checked(c, Kind.CARRIER, "carrier"),
            actor=actor_code,
            counterpart=other,
            location=place,
            due_at=due,
            note=note,
            now=now,
            host=device,
            carry_out=carry_out,
            meeting=meeting,
        )
        for c in carriers
    ]


@dataclass(frozen=True, slots=True)
class Say:
    text: str
    bell: bool = False


class Step(Enum):
    BADGE = auto()
    ACTION = auto()
    CARRIERS = auto()
    COUNTERPART = auto()
    CONFIRM = auto()
    DONE = auto()


_YES = {"", "y", "yes", "是", "确认", "ok"}
_NO = {"n", "no", "否"}
_CANCEL = {"c", "cancel", "取消"}
_QUIT = {"q", "quit", "exit", "退出"}


@dataclass
class DeskFlow:
    spool: Spool
    location: str | None = None
    due_days: int | None = None
    cleaner: Cleaner = field(default_factory=Cleaner)
    debouncer: Debouncer = field(default_factory=Debouncer)
    actor: str | None = None
    step: Step = Step.BADGE
    action: str | None = None
    carriers: list[str] = field(default_factory=list)
    counterpart: str | None = None
    host: str | None = None

    def prompt(self) -> Say:
        if self.step is Step.BADGE:
            return Say(messages.text("scan_badge"))
        if self.step is Step.ACTION:
            menu = "  ".join(
                f"{i}.{ACTION_NAMES[a]} {a}" for i, a in enumerate(DESK_ACTIONS, start=1)
            )
            return Say(f"{menu}\n{messages.text('choose_action')}")
        if self.step is Step.CARRIERS:
            if self.action in NEEDS_HOST and self.host is None:
                return Say(messages.text("scan_host"))
            return Say(messages.text("scan_carriers"))
        if self.step is Step.COUNTERPART:
            return Say(messages.text("scan_counterpart"))
        if self.step is Step.CONFIRM:
            assert self.action is not None  # noqa: S101 - set on entering CONFIRM
            who = f" → {self.counterpart or self.host}" if self.counterpart or self.host else ""
            return Say(
                messages.text(
                    "confirm",
                    action=ACTION_NAMES[self.action],
                    action_en=self.action,
                    n=len(self.carriers),
                    who=who,
                    who_en=who,
                )
            )
        return Say("")

    def _reset(self) -> None:
        self.step, self.action, self.counterpart = Step.ACTION, None, None
        self.carriers, self.host = [], None

    def feed(self, line: str | bytes) -> list[Say]:
        """Handle one line; answer with what to show (the next prompt last)."""
        raw = line.decode("latin-1") if isinstance(line, bytes) else line
        word = raw.strip().lower()
        if word in _QUIT:
            self.step = Step.DONE
            return []
        if word in _CANCEL and self.step is not Step.BADGE:
            self._reset()
            return [Say(messages.text("cancelled")), self.prompt()]
        if self.step is Step.ACTION and word:
            chosen = self._choose_action(word)
            if chosen:
                self.action, self.step = chosen, Step.CARRIERS
                return [self.prompt()]
        if self.step is Step.CONFIRM and (word in _YES or word in _NO):
            return self._confirm(word in _YES)
        if self.step is Step.CARRIERS and not word:
            return self._carriers_done()
        if not word:
            return [self.prompt()]
        try:
            code = self.cleaner.clean(raw)
        except ReadError as exc:
            return [self._refusal(exc), self.prompt()]
        if self.debouncer.is_repeat(code.text):
            return [Say(messages.text("repeat", code=code.text))]
        return self._on_code(code)

    def _choose_action(self, word: str) -> str | None:
        if word.isdigit() and 1 <= int(word) <= len(DESK_ACTIONS):
            return DESK_ACTIONS[int(word) - 1]
        for action, zh in ACTION_NAMES.items():
            if word in (action, zh) and action in DESK_ACTIONS:
                return action
        return None

    def _refusal(self, exc: ReadError) -> Say:
        if exc.reason == "bad_check_character":
            return Say(messages.BELL + messages.text("bad_check_character", code=exc.raw), True)
        return Say(messages.bad_code(exc.reason, exc.message), True)

    def _wrong_kind(self, code: Code, want: Kind) -> list[Say]:
        # Not taken here, so not a read to de-bounce: scanning it again at the right
        # step a second later must count.
        self.debouncer.forget(code.text)
        zh, en = KIND_NAMES[want.value]
        text = messages.text("wrong_kind", want=zh, want_en=en, code=code.text)
        return [Say(messages.BELL + text, True), self.prompt()]

    def _on_code(self, code: Code) -> list[Say]:
        if code.kind is Kind.LOCATION:
            self.location = code.text
            return [Say(messages.text("location_set", code=code.text)), self.prompt()]
        if self.step is Step.BADGE or (self.step is Step.ACTION and code.kind is Kind.PERSON):
            if code.kind is not Kind.PERSON:
                return self._wrong_kind(code, Kind.PERSON)
            self.actor, self.step = code.text, Step.ACTION
            return [Say(messages.text("actor_set", code=code.text)), self.prompt()]
        if self.step is Step.CARRIERS:
            if code.kind is Kind.CARRIER and self.action in NEEDS_HOST and self.host is None:
                # The first carrier scanned is the device the others go into.
                self.host = code.text
                return [Say(messages.text("host_set", code=code.text)), self.prompt()]
            if code.kind is Kind.CARRIER:
                if code.text not in self.carriers and code.text != self.host:
                    self.carriers.append(code.text)
                return [Say(f"  + {code.text}  ({len(self.carriers)})")]
            if code.kind is Kind.PERSON and self.action in NEEDS_COUNTERPART and self.carriers:
                self.counterpart, self.step = code.text, Step.CONFIRM
                return [self.prompt()]
            return self._wrong_kind(code, Kind.CARRIER)
        if self.step is Step.COUNTERPART:
            if code.kind is not Kind.PERSON:
                return self._wrong_kind(code, Kind.PERSON)
            self.counterpart, self.step = code.text, Step.CONFIRM
            return [self.prompt()]
        self.debouncer.forget(code.text)
        return [Say(messages.BELL + self.prompt().text, True)]  # not now: say what is

    def _carriers_done(self) -> list[Say]:
        if not self.carriers:
            return [Say(messages.text("no_carriers")), self.prompt()]
        self.step = Step.COUNTERPART if self.action in NEEDS_COUNTERPART else Step.CONFIRM
        return [self.prompt()]

    def _confirm(self, yes: bool) -> list[Say]:
        if not yes:
            self._reset()
            return [Say(messages.text("cancelled")), self.prompt()]
        assert self.action is not None and self.actor is not None  # noqa: S101
        due = None
        if self.due_days is not None and self.action in HAS_DUE:
            due = (datetime.now(UTC) + timedelta(days=self.due_days)).astimezone().isoformat()
        scans = build_scans(
            action=self.action,
            carriers=self.carriers,
            actor=self.actor,
            counterpart=self.counterpart,
            location=self.location,
            due_at=due,
            host=self.host,
        )
        self.spool.enqueue(scans)
        self._reset()
        return [Say(messages.text("queued", n=len(scans))), self.prompt()]
