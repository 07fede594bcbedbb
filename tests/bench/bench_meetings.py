"""The meeting desk issuing at the door: a badge and 3 copies, first keystroke to banner.

1. Start the real server (gunicorn, as ``custos serve`` runs it) on a fresh embedded
   SQLite database with the demo people; seed ``ATTENDEES`` people cleared for 秘密, a
   秘密 meeting listing them at the demo desk (3 copies each), and 3 copies per attendee
   registered in storage.
2. Drive Debian's headless Chromium as a wedge scanner would: per attendee, the badge and
   the three copy codes, keystroke by keystroke into the focused field, each ending in
   Enter, all in one burst (a scanner's pace: no pause between characters).
3. The figure is the page's own clock (``performance.now``) from the badge's first keydown
   to the banner that answers the last copy ("已发放 3/3") swapped in. Median over the
   attendees of a run, median of ``BENCH_RUNS`` runs (a fresh meeting each). Target
   (issue 16): median under 150 ms.
"""

from __future__ import annotations

import os
import statistics
import tempfile
from pathlib import Path

from tests.scanners.live_server import CLERK, DESK, LiveServer, full

ATTENDEES = int(os.environ.get("BENCH_MEETING_ATTENDEES", "30"))
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
TARGET_MS = 150.0

_SEED = """
import uuid
from datetime import timedelta
from django.utils import timezone
from backend.classification.intake import carrier_register
from backend.custody.services import ScanIn, scans_ingest
from backend.meetings.services import meeting_create
from backend.registry.marking import Period
from backend.registry.models import Location, Person
from backend.registry.principals import Principal
from backend.registry.services import person_create
registrar = Principal(person=Person.objects.get(code="{registrar}"))
clerk = Principal(person=Person.objects.get(code="{clerk}"))
desk = Location.objects.get(code="{desk}")
safe = Location.objects.get(code="{safe}")
lines = []
for run in range({runs}):
    people = [person_create(name=f"参会{{run}}-{{i}}", clearance="confidential", roles=[])
              for i in range({n})]
    now = timezone.now()
    meeting = meeting_create(principal=clerk, title=f"bench {{run}}", level="confidential",
        location=desk, starts_at=now - timedelta(minutes=5), ends_at=now + timedelta(hours=4),
        attendees=people, copies_each=3)
    copies = [carrier_register(principal=registrar, title="bench", form="paper",
              level="confidential", period=Period(years=1), basis="bench",
              custodian=clerk.person, location=safe, copy_no=k + 1, copies_total={n} * 3,
              draft=False).code for k in range({n} * 3)]
    scans_ingest(scans=[ScanIn(id=uuid.uuid4(), action="store", carrier=c, location=safe.code)
                 for c in copies], principal=clerk)
    for i, p in enumerate(people):
        lines.append(" ".join([str(meeting.id), p.code, *copies[3 * i:3 * i + 3]]))
print("|".join(lines))
"""

# Keystrokes as a wedge scanner sends them, into the focused field (the test's WEDGE).
_TYPE = """codes => {
  const input = document.activeElement;
  window.benchStart = null;
  for (const code of codes) {
    for (const ch of code) {
      input.dispatchEvent(new KeyboardEvent("keydown", {key: ch, bubbles: true}));
      input.value += ch;
      input.dispatchEvent(new Event("input", {bubbles: true}));
    }
    input.dispatchEvent(new KeyboardEvent("keydown", {key: "Enter", bubbles: true}));
  }
}"""
_CLOCK = """() => {
  const input = document.getElementById("scan");
  input.addEventListener("keydown", () => {
    if (window.benchStart == null) window.benchStart = performance.now();
  }, true);
  document.body.addEventListener("htmx:afterSwap", e => {
    const t = e.detail.target;
    if (t.id === "live" || t.id === "bannerbox") window.benchEnd = performance.now();
  });
}"""


def _seed(server: LiveServer) -> dict[str, list[list[str]]]:
    code = _SEED.format(
        registrar=full("P-REG1"),
        clerk=CLERK,
        desk=DESK,
        safe=full("L-SAFE-A"),
        n=ATTENDEES,
        runs=RUNS + 1,
    )
    # The last line: Django 5.2's shell first reports its automatic imports.
    out = server.custos("shell", "-c", code).strip().splitlines()[-1]
    runs: dict[str, list[list[str]]] = {}
    for line in out.split("|"):
        meeting, *codes = line.split()
        runs.setdefault(meeting, []).append(codes)
    return runs


def _run(page: object, meeting: str, rounds: list[list[str]]) -> list[float]:
    page.goto(f"/meetings/{meeting}/")  # type: ignore[attr-defined]
    page.evaluate(_CLOCK)  # type: ignore[attr-defined]
    times = []
    for n, codes in enumerate(rounds):
        page.evaluate(_TYPE, codes)  # type: ignore[attr-defined]
        page.wait_for_function(  # type: ignore[attr-defined]
            f"(+document.body.dataset.answered || 0) >= {4 * (n + 1)}", polling="raf"
        )
        banner = page.locator("#banner .banner")  # type: ignore[attr-defined]
        if banner.get_attribute("data-ok") != "1" or "3/3" not in banner.inner_text():
            raise RuntimeError(banner.inner_text())
        times.append(float(page.evaluate("window.benchEnd - window.benchStart")))  # type: ignore[attr-defined]
        # The board refresh that follows the banner finishes before the next attendee
        # steps up, as at a real door: the figure is the scan's, not two requests racing.
        page.wait_for_function(  # type: ignore[attr-defined]
            f"document.getElementById('n-issued').textContent === '{3 * (n + 1)}'"
        )
    return times


def main() -> int:
    from playwright.sync_api import sync_playwright

    from tests.browser import ensure_chromium

    reason = ensure_chromium()
    if reason is not None:
        print(f"-- bench_meetings: {reason}")
        return 1
    work = Path(tempfile.mkdtemp(prefix="bench-meetings-"))
    server = LiveServer(work, workers=2, database_url="sqlite")
    medians: list[float] = []
    p90s: list[float] = []
    try:
        server.prepare()
        meetings = list(_seed(server).items())
        server.start()
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path="/usr/bin/chromium",
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
            )
            page = browser.new_page(base_url=server.url, bypass_csp=True)
            page.goto("/")
            page.fill("#username", CLERK)
            page.fill("#password", "demo-clerk1")
            page.keyboard.press("Enter")
            page.wait_for_url("**/desk/")
            (warm_id, warm), *measured = meetings
            _run(page, warm_id, warm[:3])  # warm-up: connections, templates, JIT
            for meeting, rounds in measured:
                times = _run(page, meeting, rounds)
                medians.append(statistics.median(times))
                p90s.append(statistics.quantiles(times, n=10)[-1])
            browser.close()
    finally:
        server.close()
    median = statistics.median(medians)
    print(
        f"meeting desk: badge + 3 copies, first keystroke → banner 3/3, {ATTENDEES} attendees"
        f" × {RUNS} runs, SQLite (embedded default), gunicorn 2 workers, headless Chromium"
    )
    print(f"{'what':<44}{'median ms':>11}{'p90 ms':>9}")
    p90 = statistics.median(p90s)
    print(f"{'in the page (first keydown → banner)':<44}{median:>11.1f}{p90:>9.1f}")
    ok = median < TARGET_MS
    print(f"target: median < {TARGET_MS:.0f} ms — {'met' if ok else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
