"""What the code says, for cross-checking manifests: environment names each process reads, the
modules that exist, the images the Dockerfile builds."""

from __future__ import annotations

import importlib
import importlib.util
import re
from functools import cache
from pathlib import Path

from pydantic import AliasChoices
from pydantic_settings import BaseSettings

from devstack.processes import LOCAL_WORKERS, WORKER_KINDS
from gateway.settings import GatewaySettings

DOCKERFILE = Path("deploy/docker/Dockerfile").resolve()
# Read by the Python runtime, the OpenTelemetry SDK or uvicorn (which proxies it trusts for
# X-Forwarded-For), not by a settings class.
RUNTIME_ENV = {"PYTHONUNBUFFERED", "PYTHONPATH", "OTEL_SERVICE_NAME", "OTEL_RESOURCE_ATTRIBUTES", "FORWARDED_ALLOW_IPS"}


def env_names(settings: type[BaseSettings]) -> set[str]:
    """Every environment name a settings class reads (upper case; settings are case-insensitive)."""
    names = set()
    for name, info in settings.model_fields.items():
        alias = info.validation_alias
        if isinstance(alias, AliasChoices):
            names |= {str(choice).upper() for choice in alias.choices}
        elif isinstance(alias, str):
            names.add(alias.upper())
        else:
            names.add(name.upper())
    return names


@cache
def settings_of(module: str) -> type[BaseSettings]:
    """The settings class the process ``python -m <module>`` builds.

    ``gateway`` reads GatewaySettings; ``services.<name>`` and everything under it (its worker,
    its migrations) read the service's settings class.
    """
    if module == "gateway":
        return GatewaySettings
    match = re.fullmatch(r"services\.(\w+)(\..*)?", module)
    if match is None:
        raise ValueError(f"no settings class known for {module}")
    service = match.group(1)
    settings: type[BaseSettings] = getattr(
        importlib.import_module(f"services.{service}.settings"), f"{service.capitalize()}Settings"
    )
    return settings


def process_module(command: list[str]) -> str | None:
    """The component a container's command runs: ``python -m X`` -> X; migrations -> the component."""
    if command[:2] != ["python", "-m"]:
        return None
    if command[2] == "platformkit.migrations":
        return command[4]
    return command[2]


def module_exists(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


def worker_modules() -> dict[str, bool]:
    """Every worker module of the table, and whether `make run` starts it (then it must exist)."""
    return {kind.module: kind.name in LOCAL_WORKERS for kind in WORKER_KINDS}


def dockerfile_targets() -> dict[str, str]:
    """Final stages of the Dockerfile and the module each one's CMD runs."""
    text = DOCKERFILE.read_text()
    targets = {}
    for stage, body in re.findall(r"^FROM runtime AS (\S+)\n(.*?)(?=^FROM |\Z)", text, re.M | re.S):
        cmd = re.search(r'CMD \["python", "-m", "([\w.]+)"\]', body)
        assert cmd, f"stage {stage} has no python -m CMD"
        targets[stage] = cmd.group(1)
    return targets


def base_images() -> list[str]:
    """Images the Dockerfile pulls (its ARG defaults resolved)."""
    text = DOCKERFILE.read_text()
    args = dict(re.findall(r"^ARG (\w+)=(\S+)", text, re.M))
    stages = set(re.findall(r"^FROM \S+ AS (\S+)", text, re.M))
    images = []
    for ref in re.findall(r"^FROM (\S+)", text, re.M):
        resolved = re.sub(r"\$\{(\w+)\}", lambda m: args[m.group(1)], ref)
        if resolved not in stages:
            images.append(resolved)
    return images
