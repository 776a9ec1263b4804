"""How `make test` shares the suite between its pytest-xdist workers.

Like ``--dist loadfile`` (a file runs whole on one worker, so its module fixtures are built
once), with two differences measured on two cores:

- the fault tests (``tests/reliability``) are one unit: they share one fault stack (a whole
  platform on engines of its own, 30-50 s to start), which was otherwise started again each time
  a worker came back to the package from another one;
- the units start longest first, in the order of :data:`LONGEST_FIRST` (measured durations,
  stack start included), then the rest in collection order with the many small unit-test files
  last, so the workers finish together instead of one running a long file alone at the end.
"""

from __future__ import annotations

import pytest
from xdist.scheduler import LoadScopeScheduling

# Units that take a minute or more, longest first (a missing entry only costs balance).
LONGEST_FIRST: tuple[str, ...] = (
    "tests/reliability",
    "tests/e2e/test_fuzz_openapi.py",
    "tests/e2e/test_authorization_matrix.py",
    "tests/integration/devstack/test_make_run.py",
    "tests/e2e/test_generation_workers.py",
    "tests/e2e/test_outbound_production.py",
    "tests/e2e/test_model_servers.py",
)
GROUPED: tuple[str, ...] = ("tests/reliability",)


def unit_of(nodeid: str) -> str:
    """The unit a test runs in: its package when grouped, else its file."""
    path = nodeid.split("::", 1)[0]
    return next((group for group in GROUPED if path.startswith(f"{group}/")), path)


def _rank(item: pytest.Item) -> int:
    unit = unit_of(item.nodeid)
    return LONGEST_FIRST.index(unit) if unit in LONGEST_FIRST else len(LONGEST_FIRST)


def order_longest_first(items: list[pytest.Item]) -> None:
    """Sort in place: the long units first, everything else keeps its order (a stable sort)."""
    items.sort(key=_rank)


class SuiteScheduling(LoadScopeScheduling):
    """Units as :func:`unit_of` says, handed out in collection order (already longest first)."""

    def __init__(self, config: pytest.Config, log: object = None) -> None:
        config.option.loadscopereorder = False
        super().__init__(config, log)

    def _split_scope(self, nodeid: str) -> str:
        return unit_of(nodeid)
