"""``kustomize build`` for the subset of kustomize the manifests use, so tests run offline.

No kustomize binary exists on these machines, and the tests must see what a cluster would get:
the overlays' namespaces, images, generated ConfigMaps/Secrets and JSON 6902 patches applied to
the base. Anything outside the subset (a field this renderer does not know, a patch operation
other than add/replace/remove) fails loudly instead of being ignored, so a manifest can never
pass here by using something the renderer skipped.
"""

from __future__ import annotations

import base64
import copy
import re
from pathlib import Path
from typing import Any

import yaml

Obj = dict[str, Any]
KNOWN_FIELDS = {
    "apiVersion",
    "kind",
    "namespace",
    "resources",
    "images",
    "patches",
    "configMapGenerator",
    "secretGenerator",
    "generatorOptions",
}
# Kinds that live outside namespaces (none of ours today; listed so namespace setting is correct).
CLUSTER_SCOPED = {"Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition"}


class KustomizeError(ValueError):
    pass


def build(folder: Path) -> list[Obj]:
    """The objects ``kustomize build folder`` would print (order: resources as listed)."""
    kustomization = yaml.safe_load((folder / "kustomization.yaml").read_text())
    unknown = set(kustomization) - KNOWN_FIELDS
    if unknown:
        raise KustomizeError(f"{folder}: unsupported kustomization fields {sorted(unknown)}")
    objects: list[Obj] = []
    for entry in kustomization.get("resources", []):
        path = (folder / entry).resolve()
        if path.is_dir():
            objects += build(path)
        else:
            objects += [doc for doc in yaml.safe_load_all(path.read_text()) if doc]
    options = kustomization.get("generatorOptions", {})
    for spec in kustomization.get("configMapGenerator", []):
        objects.append(_generated("ConfigMap", folder, spec, options))
    for spec in kustomization.get("secretGenerator", []):
        objects.append(_generated("Secret", folder, spec, options))
    for patch in kustomization.get("patches", []):
        _patch(objects, patch)
    for obj in objects:
        _set_images(obj, kustomization.get("images", []))
        if "namespace" in kustomization and obj["kind"] not in CLUSTER_SCOPED:
            obj["metadata"]["namespace"] = kustomization["namespace"]
    return objects


def _generated(kind: str, folder: Path, spec: Obj, options: Obj) -> Obj:
    if not (spec.get("options", {}).get("disableNameSuffixHash") or options.get("disableNameSuffixHash")):
        raise KustomizeError(f"{spec['name']}: name suffix hashes are not supported; disable them")
    data: dict[str, str] = {}
    for literal in spec.get("literals", []):
        key, _, value = literal.partition("=")
        data[key] = value
    for file in spec.get("files", []):
        path = (folder / file).resolve()
        if folder.resolve() not in path.parents:
            raise KustomizeError(f"{file}: kustomize refuses files outside {folder}")
        data[path.name] = path.read_text()
    labels = {**options.get("labels", {}), **spec.get("options", {}).get("labels", {})}
    obj: Obj = {"apiVersion": "v1", "kind": kind, "metadata": {"name": spec["name"]}}
    if labels:
        obj["metadata"]["labels"] = labels
    if kind == "Secret":
        obj["type"] = "Opaque"
        obj["data"] = {k: base64.b64encode(v.encode()).decode() for k, v in data.items()}
    else:
        obj["data"] = data
    return obj


def _matches(obj: Obj, target: Obj) -> bool:
    unknown = set(target) - {"kind", "name"}
    if unknown:
        raise KustomizeError(f"unsupported patch target selectors {sorted(unknown)}")
    if "kind" in target and obj["kind"] != target["kind"]:
        return False
    return "name" not in target or re.fullmatch(target["name"], obj["metadata"]["name"]) is not None


def _patch(objects: list[Obj], patch: Obj) -> None:
    if set(patch) != {"target", "patch"}:
        raise KustomizeError(f"only inline JSON 6902 patches with a target are supported: {patch}")
    operations = yaml.safe_load(patch["patch"])
    hits = [obj for obj in objects if _matches(obj, patch["target"])]
    if not hits:
        raise KustomizeError(f"patch target {patch['target']} matches nothing")
    for obj in hits:
        for operation in operations:
            apply_operation(obj, operation)


def _pointer(path: str) -> list[str]:
    return [part.replace("~1", "/").replace("~0", "~") for part in path.lstrip("/").split("/")]


def apply_operation(obj: Obj, operation: Obj) -> None:
    """One RFC 6902 operation (add, replace, remove) on ``obj`` in place."""
    op, parts = operation["op"], _pointer(operation["path"])
    parent: Any = obj
    for part in parts[:-1]:
        parent = parent[int(part)] if isinstance(parent, list) else parent[part]
    last = parts[-1]
    if op not in {"add", "replace", "remove"}:
        raise KustomizeError(f"unsupported patch operation {op}")
    if isinstance(parent, list):
        index = len(parent) if last == "-" else int(last)
        if op == "add":
            parent.insert(index, copy.deepcopy(operation["value"]))
        elif op == "replace":
            parent[index] = copy.deepcopy(operation["value"])
        else:
            del parent[index]
        return
    if op in {"replace", "remove"} and last not in parent:
        raise KustomizeError(f"{op} of a missing path {operation['path']} in {obj['metadata']['name']}")
    if op == "remove":
        del parent[last]
    else:
        parent[last] = copy.deepcopy(operation["value"])


def containers(obj: Obj) -> list[Obj]:
    """The containers of a workload (Deployment, Job) or an empty list."""
    spec = obj.get("spec", {}).get("template", {}).get("spec", {})
    return [*spec.get("initContainers", []), *spec.get("containers", [])]


def _set_images(obj: Obj, images: list[Obj]) -> None:
    for container in containers(obj):
        name = (
            container["image"].split("@")[0].rsplit(":", 1)[0]
            if ":" in container["image"].split("/")[-1]
            else container["image"]
        )
        for image in images:
            if image["name"] == name:
                new = image.get("newName", name)
                container["image"] = f"{new}:{image['newTag']}" if "newTag" in image else new
