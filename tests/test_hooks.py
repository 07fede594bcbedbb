"""The hooks (backend/hooks.py): the access log is written by the
security app through ``carriers_read``, and a read with nobody listening is refused."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured

from backend.hooks import carriers_read
from backend.registry.policy import record_reads
from backend.registry.principals import Principal
from backend.security.models import AccessRecord
from backend.security.receivers import write_access_log


@pytest.mark.django_db
def test_a_logged_read_reaches_the_access_log_through_the_hook(
    unit: Any, make_carrier: Any
) -> None:
    carrier = make_carrier("top_secret")
    written = record_reads(Principal(person=unit.clerk), [carrier], what="carrier")
    assert written == 1
    row = AccessRecord.objects.get(carrier=carrier)
    assert (row.person_id, row.what, row.level) == (unit.clerk.id, "carrier", "top_secret")


@pytest.mark.django_db
def test_a_logged_read_with_no_access_log_connected_is_refused(
    unit: Any, make_carrier: Any
) -> None:
    carrier = make_carrier("top_secret")
    assert carriers_read.disconnect(dispatch_uid="security.access_log")
    try:
        with pytest.raises(ImproperlyConfigured):
            record_reads(Principal(person=unit.clerk), [carrier], what="carrier")
    finally:
        carriers_read.connect(write_access_log, dispatch_uid="security.access_log")
    assert not AccessRecord.objects.filter(carrier=carrier).exists()
