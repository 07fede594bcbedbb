"""``custos serve``: web, API, worker and beat together, until interrupted.

The embedded shape for one machine. Production runs each as its own service
(compose.yaml); this starts the same programs as child processes and stops them all when
one of them dies or on Ctrl-C, so nothing keeps running half-alive.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from backend.queue import app


class Command(BaseCommand):
    help = "Serve web + API (gunicorn), a Celery worker and beat until interrupted."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--bind", default="127.0.0.1:8000")
        parser.add_argument("--web-workers", type=int, default=2)
        parser.add_argument("--no-worker", action="store_true", help="serve web and API only")

    def handle(self, *args: Any, **options: Any) -> None:
        python = sys.executable
        commands = [
            [
                python,
                "-m",
                "gunicorn",
                "backend.wsgi:application",
                "--bind",
                options["bind"],
                "--workers",
                str(options["web_workers"]),
                "--access-logfile",
                "-",
            ],
        ]
        if not options["no_worker"]:
            commands.append(
                [
                    python,
                    "-m",
                    "celery",
                    "-A",
                    "worker.app",
                    "worker",
                    "--beat",
                    "--loglevel",
                    "INFO",
                    "--queues",
                    "alerts,default,slow",
                    "--concurrency",
                    "2",
                ]
            )
        if not options["no_worker"]:
            _declare_queues()
        # Each child in a process group of its own, so Ctrl-C reaches only this process,
        # which stops them with SIGTERM: Celery answers SIGINT with a warm shutdown that
        # exits 1 (by design), and a second signal on top would make it a cold one.
        children = [subprocess.Popen(cmd, process_group=0) for cmd in commands]  # noqa: S603 - fixed argv
        self.stdout.write(
            f"Custos serving on http://{options['bind']}/ — Ctrl-C to stop 按 Ctrl-C 停止"
        )

        def stop(*_: object) -> None:
            for child in children:
                if child.poll() is None:
                    child.terminate()

        signal.signal(signal.SIGTERM, stop)
        try:
            while all(child.poll() is None for child in children):
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            stop()
            for child in children:
                try:
                    child.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    child.kill()
        # A child ended by our SIGTERM (or a SIGINT someone sent it) stopped as asked;
        # anything else (a crash, our SIGKILL after the grace period) is a failure the
        # operator must see.
        stopped = (0, -signal.SIGINT, -signal.SIGTERM, None)
        failed = [
            (cmd[2], c.returncode)
            for cmd, c in zip(commands, children, strict=True)
            if c.returncode not in stopped
        ]
        if failed:
            for program, code in failed:
                self.stderr.write(f"{program} exited with {code} 异常退出")
            sys.exit(1)


def _declare_queues() -> None:
    """Create the broker's queues before worker and beat start.

    On the embedded SQLite-file broker the worker and the embedded beat would otherwise
    both create a queue's row on their first message, and the loser's send fails
    (``UNIQUE constraint failed: kombu_queue.name``): beat's first sweep would be lost.
    """
    with app.connection_for_write() as connection:
        channel = connection.default_channel
        for queue in ("alerts", "default", "slow"):
            # The transport's channel has it; kombu's stubs type only the abstract StdChannel.
            channel.queue_declare(queue=queue)  # type: ignore[attr-defined]  # see above
