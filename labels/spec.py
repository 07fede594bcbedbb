"""What goes on a label: :class:`LabelSpec`, checked when it is made."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from labels import barcode, codes


class LabelKind(StrEnum):
    CARRIER = "carrier"
    BADGE = "badge"  # a person's badge, code P…
    PLATE = "plate"  # a location plate (safe, desk, office), code L…


_CODE_KIND = {
    LabelKind.CARRIER: codes.Kind.CARRIER,
    LabelKind.BADGE: codes.Kind.PERSON,
    LabelKind.PLATE: codes.Kind.LOCATION,
}


class LabelError(ValueError):
    """A label that cannot be made as asked; ``reason`` is a stable machine-readable word
    (``invalid`` or ``bad_check_character``, as in CONTRACT.md's error codes)."""

    def __init__(self, message: str, reason: str = "invalid") -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


@dataclass(frozen=True, slots=True)
class LabelSpec:
    """The content of one label.

    ``code`` is normalised and must be a valid Custos code of the kind's letter (C, P, L);
    pass ``serial=True`` to print a unit's existing serial number instead (any printable
    ASCII, no check character). ``title`` is printed only if ``show_title`` is true — a
    title can itself be secret, so the default is off.
    """

    code: str
    kind: LabelKind = LabelKind.CARRIER
    marking: str = ""  # the legal mark, e.g. "机密★10年"; required for carriers
    copy_no: int | None = None
    copies_total: int | None = None
    unit: str = ""
    title: str = ""
    show_title: bool = False
    person: str = ""  # badge: the person's name
    location: str = ""  # plate: the location's name
    serial: bool = False

    def __post_init__(self) -> None:
        kind = LabelKind(self.kind)  # accepts "carrier" as well as LabelKind.CARRIER
        object.__setattr__(self, "kind", kind)
        if self.serial:
            text = self.code.strip()
            try:
                barcode.encode(text)
            except barcode.BarcodeError as exc:
                raise LabelError(str(exc)) from None
        else:
            try:
                text = codes.parse(self.code, kind=_CODE_KIND[kind]).text
            except codes.CodeError as exc:
                raise LabelError(exc.message, exc.reason) from None
        object.__setattr__(self, "code", text)
        if kind is LabelKind.CARRIER and not self.marking.strip():
            raise LabelError("A carrier label needs its marking (e.g. 机密★10年).")
        if kind is LabelKind.BADGE and not self.person.strip():
            raise LabelError("A badge needs the person's name.")
        if kind is LabelKind.PLATE and not self.location.strip():
            raise LabelError("A location plate needs the location's name.")
        if self.copy_no is not None and self.copy_no < 1:
            raise LabelError("copy_no starts at 1.")
        if self.copies_total is not None:
            if self.copies_total < 1:
                raise LabelError("copies_total is at least 1.")
            if self.copy_no is not None and self.copy_no > self.copies_total:
                raise LabelError(f"Copy {self.copy_no} of {self.copies_total} does not exist.")

    @property
    def copy_text(self) -> str:
        """``第2份 共5份``, ``第2份``, ``共5份`` or empty."""
        parts = []
        if self.copy_no is not None:
            parts.append(f"第{self.copy_no}份")
        if self.copies_total is not None:
            parts.append(f"共{self.copies_total}份")
        return " ".join(parts)
