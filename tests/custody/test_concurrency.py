"""Two desks, one carrier: on PostgreSQL the row lock keeps every chain contiguous."""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from typing import Any

import pytest
from django.db import connection

from backend.custody.models import CustodyEvent
from backend.custody.verify import ledger_verify
from backend.registry.media_services import MediumSpec
from backend.registry.models import Carrier
from backend.registry.services import token_create
from tests.conftest import Api, scan

THREADS = 16
ROUNDS = 12


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_sixteen_desks_handing_one_carrier_back_and_forth_never_fork_the_chain(
    unit: Any, make_carrier: Any
) -> None:
    from backend.registry.services import token_create

    carrier = make_carrier("secret")
    other = make_carrier("secret")
    receivers = [unit.clerk, unit.clerk2]
    token = token_create(person=unit.clerk)
    statuses: Counter[str] = Counter()
    errors: list[BaseException] = []
    start = threading.Barrier(THREADS)
    lock = threading.Lock()

    def desk(n: int) -> None:
        try:
            api = Api(token)
            start.wait()
            for i in range(ROUNDS):
                batch = [
                    scan("transfer", carrier, id=uuid.uuid4(), counterpart=receivers[(n + i) % 2])
                ]
                if i % 3 == 0:  # some batches touch two carriers, in either order
                    pair = scan("transfer", other, counterpart=receivers[i % 2])
                    batch = [pair, *batch] if n % 2 else [*batch, pair]
                response = api.post("/scans", {"scans": batch})
                assert response.status_code == 200, response.content
                with lock:
                    for result in response.json()["results"]:
                        statuses[result["status"]] += 1
                        if result["status"] == "rejected":
                            assert result["error"]["code"] == "conflict", result
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=desk, args=(n,)) for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors[0]
    sent = THREADS * ROUNDS + THREADS * len(range(0, ROUNDS, 3))
    assert sum(statuses.values()) == sent
    assert set(statuses) <= {"recorded", "rejected"}
    for c in (carrier, other):
        seqs = list(
            CustodyEvent.objects.filter(carrier=c).order_by("seq").values_list("seq", flat=True)
        )
        assert seqs == list(range(1, len(seqs) + 1))
        assert Carrier.objects.get(id=c.id).seq == len(seqs)
    assert CustodyEvent.objects.count() - 2 == statuses["recorded"]
    report = ledger_verify()
    assert report.ok, report.broken


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_desks_moving_a_computer_and_scanning_its_disk_at_once_queue_without_deadlock(
    unit: Any, make_carrier: Any
) -> None:
    """The disk is older than the computer (a lower primary key) and is installed later:
    a batch moving the computer locks the disk with it, in the same statement and order, so
    batches sighting the disk and the computer together queue behind it, never deadlock."""
    disk = make_carrier("secret", medium=MediumSpec(kind="internal_disk", serial="WD-CC"))
    pc = make_carrier("secret", medium=MediumSpec(kind="computer", serial="PC-CC"))
    token = token_create(person=unit.clerk)
    Api(token).post("/scans", {"scans": [scan("install_storage", disk, host=pc)]})
    threads_n, rounds = 8, 4
    statuses: Counter[str] = Counter()
    errors: list[BaseException] = []
    start = threading.Barrier(threads_n)
    lock = threading.Lock()

    def desk(n: int) -> None:
        try:
            api = Api(token)
            start.wait()
            for i in range(rounds):
                if n % 2:
                    to = [unit.clerk, unit.clerk2][(n + i) % 2]
                    batch = [scan("transfer", pc, counterpart=to)]
                else:
                    batch = [scan("inventory", disk), scan("inventory", pc)]
                response = api.post("/scans", {"scans": batch})
                assert response.status_code == 200, response.content
                with lock:
                    for result in response.json()["results"]:
                        assert result["status"] == "recorded" or (
                            result["error"]["code"] == "conflict"
                        ), result
                        statuses[(batch[0]["action"], result["status"])] += 1
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=desk, args=(n,)) for n in range(threads_n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors[0]
    moved = statuses[("transfer", "recorded")]
    assert moved > 0
    followed = CustodyEvent.objects.filter(carrier=disk, action="transfer")
    assert followed.count() == moved
    assert all(e.payload["with_host"] == pc.code for e in followed)
    for c in (disk, pc):
        seqs = list(
            CustodyEvent.objects.filter(carrier=c).order_by("seq").values_list("seq", flat=True)
        )
        assert seqs == list(range(1, len(seqs) + 1))
    report = ledger_verify()
    assert report.ok, report.broken
