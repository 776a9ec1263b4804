"""Kubernetes objects of one workload: Deployment, Service, autoscaler, disruption budget.

Security: every pod runs as a non-root user with a read-only root filesystem, no privilege
escalation, no capabilities, the runtime's seccomp profile and no service-account token (nothing
here talks to the Kubernetes API); ``/tmp`` is the only writable path.

Probes: a service is *ready* while its gRPC health says SERVING (its database and the broker
answer) and *alive* while its port accepts connections, so a database outage takes replicas out
of rotation without restarting them. The gateway is ready as soon as it serves HTTP: when a
service it needs is down it answers 503 with ``Retry-After`` itself, which clients handle better
than Envoy's "no healthy upstream". Workers have no API; their metrics endpoint shows the process
is alive.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from deploy.k8s.inventory import (
    EDGE_ADMIN_PORT,
    EDGE_PORT,
    GATEWAY_PORT,
    METRICS_PORT,
    PART_OF,
    Workload,
)

Obj = dict[str, Any]
RUN_AS = 10001
ENVOY_UID = 101  # the user of the upstream Envoy image
PLATFORM_CONFIG = "platform-config"
PLATFORM_SECRETS = "platform-secrets"
# Keys of `platform-secrets` a service's processes (server and workers) read besides the gateway's:
# the exports service seals integration secrets at rest with its own key.
SERVICE_SECRETS: dict[str, tuple[str, ...]] = {"exports": ("EXPORTS_SECRETS_KEY",)}
EDGE_CONFIG = "envoy-edge"


def labels(workload: Workload) -> dict[str, str]:
    return {
        "app.kubernetes.io/name": workload.name,
        "app.kubernetes.io/component": workload.role,
        "app.kubernetes.io/part-of": PART_OF,
    }


def selector(workload: Workload) -> dict[str, str]:
    return {"app.kubernetes.io/name": workload.name}


def metadata(name: str, workload: Workload) -> Obj:
    return {"name": name, "labels": labels(workload)}


def pod_security(uid: int = RUN_AS) -> Obj:
    return {
        "runAsNonRoot": True,
        "runAsUser": uid,
        "runAsGroup": uid,
        "fsGroup": uid,
        "seccompProfile": {"type": "RuntimeDefault"},
    }


CONTAINER_SECURITY: Obj = {
    "allowPrivilegeEscalation": False,
    "readOnlyRootFilesystem": True,
    "privileged": False,
    "capabilities": {"drop": ["ALL"]},
}


def resources(workload: Workload) -> Obj:
    r = workload.resources
    return {
        "requests": {"cpu": r.cpu, "memory": r.memory},
        "limits": {"cpu": r.cpu_limit, "memory": r.memory_limit},
    }


def database_env(workload: Workload) -> list[Obj]:
    """``DATABASE_URL_<KEY>`` composed from the CloudNativePG cluster's generated credentials."""
    db = workload.database
    if db is None:
        return []
    secret = f"{db.key}-db-app"
    return [
        {"name": "PG_USER", "valueFrom": {"secretKeyRef": {"name": secret, "key": "username"}}},
        {"name": "PG_PASSWORD", "valueFrom": {"secretKeyRef": {"name": secret, "key": "password"}}},
        {
            "name": db.env_name,
            "value": f"postgresql+asyncpg://$(PG_USER):$(PG_PASSWORD)@{db.key}-db-rw:5432/{db.name}",
        },
    ]


def secret_env(*names: str) -> list[Obj]:
    return [{"name": n, "valueFrom": {"secretKeyRef": {"name": PLATFORM_SECRETS, "key": n}}} for n in names]


def principal_env(signer: str) -> list[Obj]:
    """The process's own signing key (``PRINCIPAL_SIGNING_KEY_<SIGNER>`` of the Secret) and every
    signer's public key (platformkit.principal_tokens)."""
    own = {"secretKeyRef": {"name": PLATFORM_SECRETS, "key": f"PRINCIPAL_SIGNING_KEY_{signer.upper()}"}}
    return [{"name": "PRINCIPAL_SIGNING_KEY", "valueFrom": own}, *secret_env("PRINCIPAL_PUBLIC_KEYS")]


def env(workload: Workload) -> list[Obj]:
    values = [{"name": k, "value": v} for k, v in sorted(workload.env.items())]
    if workload.role in {"service", "worker"}:
        values.append({"name": "METRICS_BIND", "value": f"0.0.0.0:{METRICS_PORT}"})
    if workload.role == "gateway":
        # Only Envoy reaches the gateway (NetworkPolicy), and it sets X-Forwarded-For to the
        # client it saw: the login throttle counts per that address.
        values.append({"name": "FORWARDED_ALLOW_IPS", "value": "*"})
        values += secret_env("SECRET_KEY", "FIRST_SUPERUSER_PASSWORD") + principal_env("gateway")
    elif workload.database is not None:
        values += secret_env(*SERVICE_SECRETS.get(workload.database.key, ())) + principal_env(workload.database.key)
    return database_env(workload) + values


def _http(path: str, port: str) -> Obj:
    return {"httpGet": {"path": path, "port": port}}


def probes(workload: Workload) -> Obj:
    timing = {"periodSeconds": 10, "timeoutSeconds": 3, "failureThreshold": 3}
    if workload.role == "service":
        ready: Obj = {"grpc": {"port": workload.grpc_port}}
        alive: Obj = {"tcpSocket": {"port": "grpc"}}
    elif workload.role == "gateway":
        ready = alive = _http("/metrics", "http")
    elif workload.role == "edge":
        ready = alive = _http("/ready", "admin")
    else:
        ready = alive = _http("/metrics", "metrics")
    return {
        "readinessProbe": {**ready, **timing},
        "livenessProbe": {**alive, **timing, "initialDelaySeconds": 10, "failureThreshold": 6},
    }


def ports(workload: Workload) -> list[Obj]:
    if workload.role == "edge":
        return [{"name": "http", "containerPort": EDGE_PORT}, {"name": "admin", "containerPort": EDGE_ADMIN_PORT}]
    if workload.role == "gateway":
        return [{"name": "http", "containerPort": GATEWAY_PORT}]
    found = [{"name": "metrics", "containerPort": METRICS_PORT}]
    if workload.grpc_port is not None:
        found.insert(0, {"name": "grpc", "containerPort": workload.grpc_port})
    return found


def container(workload: Workload) -> Obj:
    spec: Obj = {
        "name": workload.name,
        "image": workload.image,
        "command": list(workload.command),
        "ports": ports(workload),
        "resources": resources(workload),
        "securityContext": CONTAINER_SECURITY,
        "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}],
        **probes(workload),
    }
    if workload.role != "edge":
        spec["envFrom"] = [{"configMapRef": {"name": PLATFORM_CONFIG}}]
        spec["env"] = env(workload)
    else:
        spec["volumeMounts"].append({"name": "config", "mountPath": "/etc/envoy", "readOnly": True})
    return spec


def pod(workload: Workload) -> Obj:
    volumes: list[Obj] = [{"name": "tmp", "emptyDir": {"sizeLimit": "64Mi"}}]
    if workload.role == "edge":
        volumes.append({"name": "config", "configMap": {"name": EDGE_CONFIG}})
    annotations = {"prometheus.io/scrape": "true", "prometheus.io/port": str(_metrics_port(workload))}
    if workload.role == "edge":
        annotations["prometheus.io/path"] = "/stats/prometheus"
    return {
        "metadata": {"labels": labels(workload), "annotations": annotations},
        "spec": {
            "automountServiceAccountToken": False,
            "securityContext": pod_security(ENVOY_UID if workload.role == "edge" else RUN_AS),
            # Long enough for a request in flight (gateway) or an event in hand (consumers) to finish.
            "terminationGracePeriodSeconds": 30,
            "containers": [container(workload)],
            "volumes": volumes,
        },
    }


def _metrics_port(workload: Workload) -> int:
    return {"edge": EDGE_ADMIN_PORT, "gateway": GATEWAY_PORT}.get(workload.role, METRICS_PORT)


def deployment(workload: Workload) -> Obj:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": metadata(workload.name, workload),
        "spec": {
            "replicas": workload.min_replicas,
            "selector": {"matchLabels": selector(workload)},
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}},
            "template": pod(workload),
        },
    }


def service(workload: Workload) -> Obj | None:
    """Envoy gets a stable virtual IP; the gateway and services a headless Service, whose DNS
    name lists every ready replica (Envoy's STRICT_DNS and gRPC's round_robin balance per call)."""
    if workload.role == "worker":
        return None
    service_ports = [
        {"name": p["name"], "port": p["containerPort"], "targetPort": p["name"]}
        for p in ports(workload)
        if p["name"] in {"http", "grpc"}
    ]
    spec: Obj = {"selector": selector(workload), "ports": service_ports}
    if workload.role != "edge":
        spec["clusterIP"] = "None"
    return {"apiVersion": "v1", "kind": "Service", "metadata": metadata(workload.name, workload), "spec": spec}


def autoscaler(workload: Workload) -> Obj | None:
    """CPU-based for request-serving workloads; workers scale on lag instead (deploy.k8s.infra)."""
    if workload.role == "worker":
        return None
    return {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": metadata(workload.name, workload),
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": workload.name},
            "minReplicas": workload.min_replicas,
            "maxReplicas": workload.max_replicas,
            "metrics": [
                {
                    "type": "Resource",
                    "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 70}},
                }
            ],
        },
    }


def disruption_budget(workload: Workload) -> Obj:
    """One replica at a time may be evicted (a node drain never takes a whole tier down, and a
    single-replica dev deployment never blocks one)."""
    return {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": metadata(workload.name, workload),
        "spec": {"maxUnavailable": 1, "selector": {"matchLabels": selector(workload)}},
    }


def migration_job(workload: Workload) -> Obj | None:
    """Alembic for the workload's database, run before (or alongside) a rollout of its image."""
    db = workload.database
    if db is None or db.component is None or workload.role == "worker":
        return None
    command = ("python", "-m", "platformkit.migrations", "upgrade", db.component)
    migrate = replace(workload, name=f"migrate-{db.key}", command=command)
    spec = pod(migrate)["spec"]
    spec["restartPolicy"] = "OnFailure"
    (c,) = spec["containers"]
    for key in ("readinessProbe", "livenessProbe", "ports"):
        c.pop(key)
    c["env"] = database_env(workload)
    c["resources"] = {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"cpu": "500m", "memory": "256Mi"}}
    # Labels of its own: the workload's Service, budget and policies must never select it.
    job_labels = {**labels(migrate), "app.kubernetes.io/component": "migration"}
    template_metadata = {"labels": job_labels}
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": migrate.name, "labels": job_labels},
        "spec": {
            "backoffLimit": 6,
            "ttlSecondsAfterFinished": 3600,
            "template": {"metadata": template_metadata, "spec": spec},
        },
    }
