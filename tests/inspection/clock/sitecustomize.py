"""Time-machine inside a real Celery worker, for the tests that walk a deadline.

Put this folder on the worker's PYTHONPATH and name a file in ``CUSTOS_TEST_CLOCK``:
every task then runs at the moment written in that file (ISO-8601), the clock ticking
from there, so a test moves the worker's "now" between tasks the way time-machine moves
its own process's.
"""

from __future__ import annotations

import os
from typing import Any

from celery.signals import task_postrun, task_prerun

_travels: list[Any] = []


@task_prerun.connect(weak=False)
def _travel(**_: Any) -> None:
    path = os.environ.get("CUSTOS_TEST_CLOCK", "")
    if not path or not os.path.exists(path):
        return
    import time_machine

    with open(path, encoding="utf-8") as clock:
        moment = clock.read().strip()
    if moment:
        traveller = time_machine.travel(moment, tick=True)
        traveller.start()
        _travels.append(traveller)


@task_postrun.connect(weak=False)
def _back(**_: Any) -> None:
    while _travels:
        _travels.pop().stop()
