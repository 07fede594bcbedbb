"""Sending a ZPL job to a raw printer port (JetDirect / "port 9100").

No status comes back on a raw port: a successful send means the printer took the bytes,
not that a label came out. Callers that record prints in the ledger record "sent".
"""

from __future__ import annotations

import socket

RAW_PORT = 9100


def send_raw(
    job: bytes, host: str, port: int = RAW_PORT, *, copies: int = 1, timeout: float = 10.0
) -> int:
    """Send ``job`` ``copies`` times over one connection; return the bytes sent.

    The job is repeated rather than given a ``^PQ`` quantity so that each copy is one
    complete, identical ZPL job — what a log of the jobs says is what was printed.
    """
    if copies < 1:
        raise ValueError("copies is at least 1.")
    with socket.create_connection((host, port), timeout=timeout) as conn:
        for _ in range(copies):
            conn.sendall(job)
        conn.shutdown(socket.SHUT_WR)  # tell the printer the jobs are complete
    return len(job) * copies
