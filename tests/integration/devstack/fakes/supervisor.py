"""A supervisor of fakes on its own embedded engines, for the test that SIGKILLs a supervisor.

python -m tests.integration.devstack.fakes.supervisor STATE_DIR '{"PG_PORT": ..., ...}'
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from tests.integration.devstack.conftest import persistent_stack

if __name__ == "__main__":
    stack = persistent_stack(Path(sys.argv[1]), json.loads(sys.argv[2]))
    stack.start()
    print("READY", flush=True)
    while True:
        time.sleep(1)
