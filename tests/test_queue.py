"""backend/queue.py: backend code queues a worker task by name, on the real broker."""

from __future__ import annotations

import json
import os

import pytest
import redis

from backend.queue import enqueue, task_name

pytestmark = pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs Redis (REDIS_URL)")


def test_enqueue_puts_the_named_worker_task_on_its_routed_queue() -> None:
    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    before = client.llen("slow")
    assert enqueue("slow_registers_prune") is True
    try:
        assert client.llen("slow") == before + 1
        message = json.loads(client.lindex("slow", 0))
        assert message["headers"]["task"] == task_name("slow_registers_prune")
        assert message["headers"]["task"] == "worker.tasks.slow_registers_prune"
    finally:
        client.lpop("slow")
