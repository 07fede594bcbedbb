"""The carry-out tests run ingest on both ledger stores, as tests/custody does, mostly on
the Monday their requests leave."""

from typing import Any

import pytest
import time_machine

from tests.carryouts.test_carry_outs import MONDAY
from tests.custody.conftest import each_store  # noqa: F401 - the two stores, used by name


@pytest.fixture
def at_monday() -> Any:
    with time_machine.travel(MONDAY, tick=False) as traveller:
        yield traveller
