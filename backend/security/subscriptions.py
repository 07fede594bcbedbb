"""What security subscribes to (imported once by ``CoreConfig.ready()``, docs/architecture.md).

Both modules connect their receivers on import."""

from backend.security import receivers as receivers  # the access log for hooks.carriers_read
from backend.security import signin as signin  # the sign-in signals
