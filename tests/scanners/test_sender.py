"""The sender's handling of each kind of answer, with canned HTTP answers.

These pin the client's side of the protocol (batching, order, which answers count as
delivered, what is retried, what is kept as refused). Delivery against the real server,
with the faults, is tests/scanners/test_exactly_once.py.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest

from labels.codes import Kind
from scanners.sender import AuthRefused, Backoff, Sender, Unreachable
from scanners.spool import Spool, new_scan
from tests.scanners.conftest import code

ACTOR = code(Kind.PERSON)
Handler = Callable[[httpx.Request], httpx.Response]


def fill(spool: Spool, n: int) -> list[str]:
    return spool.enqueue(
        [new_scan(action="inventory", carrier=code(), actor=ACTOR) for _ in range(n)]
    )


def answer_all(status: str = "recorded") -> Handler:
    def handle(request: httpx.Request) -> httpx.Response:
        scans = json.loads(request.content)["scans"]
        return httpx.Response(
            200, json={"results": [{"id": s["id"], "status": status} for s in scans]}
        )

    return handle


def sender_for(spool: Spool, handler: Handler, **kw: object) -> tuple[Sender, list[float]]:
    slept: list[float] = []

    def sleep(seconds: float) -> bool:
        slept.append(seconds)
        return False

    client = httpx.Client(
        transport=httpx.MockTransport(handler),
        headers={"Authorization": "Bearer tok", "Content-Type": "application/json"},
    )
    sender = Sender(
        spool,
        server="http://desk.test",
        token="tok",
        client=client,
        sleep=sleep,
        backoff=Backoff(base=0.01, cap=0.05),
        **kw,  # type: ignore[arg-type]
    )
    return sender, slept


def test_it_sends_in_order_in_batches_of_at_most_1000_with_the_token(spool: Spool) -> None:
    ids = fill(spool, 2500)
    seen: list[list[str]] = []

    def handle(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/api/v1/scans"
        assert request.headers["authorization"] == "Bearer tok"
        seen.append([s["id"] for s in json.loads(request.content)["scans"]])
        return answer_all()(request)

    sender, _ = sender_for(spool, handle)
    report = sender.drain()
    assert [len(b) for b in seen] == [1000, 1000, 500]
    assert [i for b in seen for i in b] == ids
    assert report.recorded == 2500 and spool.counts()["waiting"] == 0


def test_duplicate_counts_as_delivered(spool: Spool) -> None:
    fill(spool, 3)
    sender, _ = sender_for(spool, answer_all("duplicate"))
    assert sender.drain().duplicate == 3
    assert spool.counts() == {"waiting": 0, "sent": 3, "refused": 0}


def test_a_rejected_scan_is_kept_with_its_error_and_the_rest_go_on(spool: Spool) -> None:
    a, b, c = fill(spool, 3)

    def handle(request: httpx.Request) -> httpx.Response:
        results = [
            {"id": a, "status": "recorded"},
            {
                "id": b,
                "status": "rejected",
                "error": {"code": "invalid_transition", "message": "destroyed"},
            },
            {"id": c, "status": "recorded"},
        ]
        return httpx.Response(200, json={"results": results})

    sender, _ = sender_for(spool, handle)
    report = sender.drain()
    assert (report.recorded, report.refused) == (2, 1)
    (refusal,) = spool.refusals()
    assert (refusal.id, refusal.error_code) == (b, "invalid_transition")


def test_a_422_batch_is_split_until_the_one_bad_scan_is_isolated(spool: Spool) -> None:
    ids = fill(spool, 37)
    poison = ids[23]
    calls: list[int] = []

    def handle(request: httpx.Request) -> httpx.Response:
        scans = json.loads(request.content)["scans"]
        calls.append(len(scans))
        if any(s["id"] == poison for s in scans):
            return httpx.Response(422, json={"error": {"code": "invalid", "message": "bad"}})
        return answer_all()(request)

    sender, _ = sender_for(spool, handle)
    report = sender.drain()
    assert report.recorded == 36 and report.refused == 1
    assert [r.id for r in spool.refusals()] == [poison]
    assert spool.refusals()[0].error_code == "invalid"
    assert len(calls) < 20  # bisection, not one request per scan


def test_it_retries_with_backoff_while_the_server_refuses_connections(spool: Spool) -> None:
    fill(spool, 5)
    failures = iter(range(4))

    def handle(request: httpx.Request) -> httpx.Response:
        if next(failures, None) is not None:
            raise httpx.ConnectError("refused", request=request)
        return answer_all()(request)

    sender, slept = sender_for(spool, handle)
    report = sender.drain(retry_for=60)
    assert report.recorded == 5 and report.retries == 4
    assert len(slept) == 4 and slept[-1] > slept[0]  # growing delays (with jitter)


def test_a_batch_whose_answer_was_lost_is_sent_again(spool: Spool) -> None:
    ids = fill(spool, 4)
    bodies: list[bytes] = []

    def handle(request: httpx.Request) -> httpx.Response:
        bodies.append(request.content)
        if len(bodies) == 1:
            raise httpx.ReadTimeout("answer lost", request=request)
        return answer_all("duplicate")(request)

    sender, _ = sender_for(spool, handle)
    report = sender.drain(retry_for=60)
    assert bodies[0] == bodies[1]  # the very same bytes, the very same ids
    assert [s["id"] for s in json.loads(bodies[1])["scans"]] == ids
    assert report.duplicate == 4 and spool.counts()["sent"] == 4


def test_5xx_is_retried_and_nothing_is_marked_meanwhile(spool: Spool) -> None:
    fill(spool, 2)
    sender, _ = sender_for(spool, lambda r: httpx.Response(503))
    with pytest.raises(Unreachable):
        sender.drain(retry_for=0)
    assert spool.counts() == {"waiting": 2, "sent": 0, "refused": 0}


def test_a_bad_token_stops_the_sync_without_touching_the_spool(spool: Spool) -> None:
    fill(spool, 2)
    body = {"error": {"code": "unauthenticated", "message": "bad token"}}
    sender, _ = sender_for(spool, lambda r: httpx.Response(401, json=body))
    with pytest.raises(AuthRefused) as err:
        sender.drain()
    assert err.value.status == 401 and "unauthenticated" in err.value.detail
    assert spool.counts()["waiting"] == 2


def test_scans_left_without_a_result_stay_waiting(spool: Spool) -> None:
    a, b = fill(spool, 2)
    answers = iter([[{"id": a, "status": "recorded"}], [{"id": b, "status": "recorded"}]])

    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"results": next(answers)})

    sender, _ = sender_for(spool, handle)
    sender.drain(retry_for=60)
    assert spool.counts() == {"waiting": 0, "sent": 2, "refused": 0}


def test_long_syncs_report_progress_batch_by_batch(spool: Spool) -> None:
    fill(spool, 2500)
    seen: list[tuple[int, int]] = []
    sender, _ = sender_for(spool, answer_all(), progress=lambda r: seen.append((r.done, r.total)))
    sender.drain()
    assert seen == [(1000, 2500), (2000, 2500), (2500, 2500)]
