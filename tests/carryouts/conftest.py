"""The carry-out tests run ingest on both ledger stores, as tests/custody does."""

from tests.custody.conftest import each_store  # noqa: F401 - the two stores, used by name
