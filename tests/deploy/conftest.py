"""Fixtures of the deployment tests."""

from __future__ import annotations

import pytest

from tests.deploy.k8s_support import K8S, OVERLAYS, Obj
from tests.deploy.kustomize import build


@pytest.fixture(scope="module", params=OVERLAYS)
def overlay(request: pytest.FixtureRequest) -> tuple[str, list[Obj]]:
    return request.param, build(K8S / "overlays" / request.param)
