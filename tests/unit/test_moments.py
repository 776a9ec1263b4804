"""Date-times at the edges of what a protobuf Timestamp holds: the gateway refuses a body's
date-time whose UTC form falls outside it (422), and a service refuses a caller's Timestamp
outside it (a field violation), rather than failing on the conversion (a 500)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from gateway.schemas.shootings import ShootingCreate, ShootingUpdate
from platformkit.errors import Invalid
from platformkit.protoconv import OUT_OF_RANGE_MOMENT, from_timestamp, timestamp
from protos.shootings.v1 import shootings_pb2 as pb


@pytest.mark.parametrize("moment", ["0001-01-01T00:40:01+15:00", "9999-12-31T23:00:00-05:00"])
def test_a_due_date_an_offset_carries_out_of_utc_is_refused(moment: str) -> None:
    with pytest.raises(ValidationError) as caught:
        ShootingCreate.model_validate({"name": "n", "due_date": moment})
    [error] = caught.value.errors()
    assert error["loc"] == ("due_date",) and OUT_OF_RANGE_MOMENT in error["msg"]
    with pytest.raises(ValidationError):
        ShootingUpdate.model_validate({"due_date": moment})


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        ("0001-01-01T00:40:01-01:00", datetime(1, 1, 1, 1, 40, 1, tzinfo=UTC)),
        ("9999-12-31T23:59:59+00:00", datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)),
        ("0001-01-01T00:00:00", datetime(1, 1, 1, tzinfo=UTC)),  # naive is UTC
    ],
)
def test_the_edges_themselves_go_through_to_the_service(moment: str, expected: datetime) -> None:
    body = ShootingCreate.model_validate({"name": "n", "due_date": moment})
    assert from_timestamp(body.to_pb(None), "due_date") == expected


@pytest.mark.parametrize(("seconds", "nanos"), [(253_402_300_800, 0), (-62_135_596_801, 0), (0, 2**30)])
def test_a_service_refuses_a_timestamp_no_date_time_holds(seconds: int, nanos: int) -> None:
    patch = pb.ShootingPatch(due_date=timestamp(datetime(2030, 1, 1, tzinfo=UTC)))
    patch.due_date.seconds, patch.due_date.nanos = seconds, nanos
    with pytest.raises(Invalid) as caught:
        from_timestamp(patch, "due_date", ("patch", "due_date"))
    [violation] = caught.value.violations
    assert violation.loc == ("patch", "due_date") and violation.type == "datetime_range"
