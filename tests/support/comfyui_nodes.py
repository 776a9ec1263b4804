"""The node catalogue of the fake ComfyUI: how it validates a prompt as ComfyUI does (known class
types, required inputs of the right type, links to existing nodes, LoadImage files that exist,
at least one output node) and the errors it answers, in ComfyUI's shapes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

LINK, INT, FLOAT, STRING = "LINK", "INT", "FLOAT", "STRING"
NODES: dict[str, dict[str, str]] = {
    "CheckpointLoaderSimple": {"ckpt_name": STRING},
    "unCLIPCheckpointLoader": {"ckpt_name": STRING},
    "LoadImage": {"image": STRING},
    "ImageScale": {"image": LINK, "upscale_method": STRING, "width": INT, "height": INT, "crop": STRING},
    "VAEEncode": {"pixels": LINK, "vae": LINK},
    "VAEDecode": {"samples": LINK, "vae": LINK},
    "CLIPTextEncode": {"text": STRING, "clip": LINK},
    "CLIPVisionEncode": {"clip_vision": LINK, "image": LINK, "crop": STRING},
    "unCLIPConditioning": {
        "conditioning": LINK,
        "clip_vision_output": LINK,
        "strength": FLOAT,
        "noise_augmentation": FLOAT,
    },
    "KSampler": {
        "model": LINK,
        "seed": INT,
        "steps": INT,
        "cfg": FLOAT,
        "sampler_name": STRING,
        "scheduler": STRING,
        "positive": LINK,
        "negative": LINK,
        "latent_image": LINK,
        "denoise": FLOAT,
    },
    "SaveImage": {"images": LINK, "filename_prefix": STRING},
    "PreviewImage": {"images": LINK},
}
OUTPUT_NODES = {"SaveImage", "PreviewImage"}


def problem(kind: str, message: str, details: str, **extra: Any) -> dict[str, Any]:
    return {"type": kind, "message": message, "details": details, "extra_info": extra}


def _typed(kind: str, value: Any, prompt: dict[str, Any]) -> bool:
    if kind == LINK:
        return isinstance(value, list) and len(value) == 2 and str(value[0]) in prompt
    if kind == INT:
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == FLOAT:
        return isinstance(value, int | float) and not isinstance(value, bool)
    return isinstance(value, str)


def _node_problems(node: dict[str, Any], prompt: dict[str, Any], inputs_dir: Path) -> list[dict[str, Any]]:
    found = []
    inputs = node.get("inputs") or {}
    for name, kind in NODES[node["class_type"]].items():
        if name not in inputs:
            found.append(problem("required_input_missing", "Required input is missing", name, input_name=name))
        elif not _typed(kind, inputs[name], prompt):
            found.append(
                problem(
                    "invalid_input_type",
                    f"Failed to convert an input value to a {kind} value",
                    f"{name}, {inputs[name]!r}",
                    input_name=name,
                )
            )
    image = inputs.get("image")
    if node["class_type"] == "LoadImage" and isinstance(image, str) and not (inputs_dir / image).is_file():
        details = f"image - Invalid image file: {image}"
        found.append(problem("custom_validation_failed", "Custom validation failed for node", details))
    return found


def validate(prompt: Any, inputs_dir: Path) -> dict[str, Any] | None:
    """None for a valid prompt, else the body of ComfyUI's 400 (``error`` and ``node_errors``)."""
    if not isinstance(prompt, dict):
        return {"error": problem("invalid_prompt", "Invalid prompt", "not an object of nodes"), "node_errors": {}}
    for node_id, node in prompt.items():
        if not isinstance(node, dict) or node.get("class_type") not in NODES:
            kind = node.get("class_type") if isinstance(node, dict) else None
            message = f"Cannot execute because node {kind} does not exist."
            return {"error": problem("invalid_prompt", message, f"Node ID '#{node_id}'"), "node_errors": {}}
    outputs = [i for i, n in prompt.items() if n["class_type"] in OUTPUT_NODES]
    if not outputs:
        return {"error": problem("prompt_no_outputs", "Prompt has no outputs", ""), "node_errors": {}}
    node_errors = {}
    for node_id, node in prompt.items():
        errors = _node_problems(node, prompt, inputs_dir)
        if errors:
            node_errors[node_id] = {"errors": errors, "dependent_outputs": outputs, "class_type": node["class_type"]}
    if not node_errors:
        return None
    details = "; ".join(f"{e['message']}: {e['details']}" for n in node_errors.values() for e in n["errors"])
    error = problem("prompt_outputs_failed_validation", "Prompt outputs failed validation", details)
    return {"error": error, "node_errors": node_errors}


def linked(prompt: dict[str, Any], node_id: str, name: str) -> tuple[str, dict[str, Any]] | None:
    """The node an input of ``node_id`` links to."""
    value = prompt[node_id]["inputs"].get(name)
    if isinstance(value, list) and str(value[0]) in prompt:
        return str(value[0]), prompt[str(value[0])]
    return None


def source_image(prompt: dict[str, Any]) -> tuple[str, int | None, int | None]:
    """What the sampler starts from: the file of the LoadImage behind VAEEncode (through an
    ImageScale, whose size it takes), else the first LoadImage."""
    for node_id, node in prompt.items():
        if node["class_type"] != "VAEEncode":
            continue
        found = linked(prompt, node_id, "pixels")
        size: tuple[int | None, int | None] = (None, None)
        if found and found[1]["class_type"] == "ImageScale":
            size = (found[1]["inputs"]["width"], found[1]["inputs"]["height"])
            found = linked(prompt, found[0], "image")
        if found and found[1]["class_type"] == "LoadImage":
            return found[1]["inputs"]["image"], size[0], size[1]
    first = next(n for n in prompt.values() if n["class_type"] == "LoadImage")
    return first["inputs"]["image"], None, None
