"""What the Kubernetes manifest tests share: the overlays rendered once per module (tests/deploy/
kustomize.py) and the accessors of the rendered objects."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import kubernetes_validate

K8S = Path("deploy/k8s").resolve()
OVERLAYS = ("dev", "prod")
KUBERNETES_VERSION = kubernetes_validate.latest_version()
CORE_API_GROUPS = {"v1", "apps/v1", "batch/v1", "policy/v1", "autoscaling/v2", "networking.k8s.io/v1"}
# Secrets the platform reads but does not create: CloudNativePG's per-cluster credentials, and in
# production the platform secret (created from the secret manager, see the prod overlay).
EXTERNAL_SECRETS = {"prod": {"platform-secrets"}, "dev": set()}

Obj = dict[str, Any]


def of_kind(objects: list[Obj], kind: str) -> dict[str, Obj]:
    return {obj["metadata"]["name"]: obj for obj in objects if obj["kind"] == kind}


def workloads(objects: list[Obj]) -> Iterator[Obj]:
    yield from (obj for obj in objects if obj["kind"] in {"Deployment", "Job"})


def pod_spec(obj: Obj) -> Obj:
    spec: Obj = obj["spec"]["template"]["spec"]
    return spec


def env_of(container: Obj) -> dict[str, Obj]:
    return {entry["name"]: entry for entry in container.get("env", [])}
