"""``python -m scanners`` — the same as the ``custos-scan`` console script."""

from scanners.cli import main

raise SystemExit(main())
