"""How `make test` groups and orders its units (tests/support/scheduling.py)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from tests.support.scheduling import LONGEST_FIRST, order_longest_first, unit_of


def test_fault_tests_are_one_unit_and_other_files_their_own() -> None:
    assert unit_of("tests/reliability/test_broker_restart.py::test_x") == "tests/reliability"
    assert unit_of("tests/reliability/test_service_kill.py::test_y[shots]") == "tests/reliability"
    assert unit_of("tests/e2e/test_live.py::test_z") == "tests/e2e/test_live.py"
    assert unit_of("tests/reliability_notes.py::test_w") == "tests/reliability_notes.py"


def test_long_units_come_first_and_the_rest_keeps_its_order() -> None:
    names = [
        "tests/unit/test_a.py::one",
        "tests/e2e/test_authorization_matrix.py::m1",
        "tests/unit/test_b.py::two",
        "tests/reliability/test_service_kill.py::k1",
        "tests/e2e/test_authorization_matrix.py::m2",
        "tests/unit/test_a.py::three",
    ]
    items = [SimpleNamespace(nodeid=name) for name in names]
    order_longest_first(items)  # type: ignore[arg-type]
    assert [item.nodeid for item in items] == [
        "tests/reliability/test_service_kill.py::k1",
        "tests/e2e/test_authorization_matrix.py::m1",
        "tests/e2e/test_authorization_matrix.py::m2",
        "tests/unit/test_a.py::one",
        "tests/unit/test_b.py::two",
        "tests/unit/test_a.py::three",
    ]
    assert LONGEST_FIRST[0] == "tests/reliability"


def test_every_named_unit_exists() -> None:
    root = Path(__file__).resolve().parents[2]
    assert [unit for unit in LONGEST_FIRST if not (root / unit).exists()] == []
