"""Pure parts of the model-server providers: the ComfyUI workflow's placeholders, what a ComfyUI
history entry means, the size asked of an OpenAI-compatible server, the prompt text, and which
answers are worth retrying."""

from __future__ import annotations

import io
import json
import uuid

import httpx
import pytest
from PIL import Image

from services.shots.worker.providers import RenderJob
from services.shots.worker.providers.comfyui import failure_of, first_image, prompt_id_for
from services.shots.worker.providers.comfyui_workflow import Workflow, image_values
from services.shots.worker.providers.openai import parse_sizes, size_for
from services.shots.worker.providers.remote import as_png, describe, image_file, is_retryable, retry_after
from services.shots.worker.settings import EXAMPLE_COMFYUI_WORKFLOW


def workflow(**inputs: object) -> str:
    return json.dumps({"1": {"class_type": "LoadImage", "inputs": {"image": "{{base_image}}", **inputs}}})


def test_the_example_workflow_loads_with_two_reference_slots():
    loaded = Workflow.load(EXAMPLE_COMFYUI_WORKFLOW)
    assert loaded.reference_slots == 2
    assert {n["class_type"] for n in loaded.graph.values()} >= {"LoadImage", "KSampler", "SaveImage"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[1, 2]", "API format"),
        ("not json", "not JSON"),
        ('{"1": {"inputs": {}}}', "class_type and inputs"),
        (json.dumps({"1": {"class_type": "X", "inputs": {"seed": "{{seed}}"}}}), "no {{base_image}}"),
        (workflow(text="{{negative}}"), "unknown placeholder {{negative}}"),
    ],
)
def test_a_workflow_the_platform_cannot_fill_is_refused_at_start(text, message):
    with pytest.raises(ValueError, match=message.replace("{", r"\{").replace("}", r"\}")):
        Workflow.parse(text)


def test_placeholders_are_whole_values_numbers_stay_numbers_and_braces_in_text_stay():
    loaded = Workflow.parse(
        workflow(
            seed="{{ seed }}", size=["{{width}}", "{{height}}"], note="a {{prompt}} inside", ref="{{reference_image_3}}"
        )
    )
    assert loaded.reference_slots == 3
    values = image_values(["in/base.png", "in/ref-1.png"], loaded.reference_slots)
    assert values == {
        "base_image": "in/base.png",
        "reference_image_1": "in/ref-1.png",
        "reference_image_2": "in/base.png",  # slots without a reference of their own take the base image
        "reference_image_3": "in/base.png",
    }
    filled = loaded.filled(values | {"seed": 7, "width": 64, "height": 96, "prompt": "p", "generation_id": "g"})
    inputs = filled["1"]["inputs"]
    assert inputs == {
        "image": "in/base.png",
        "seed": 7,
        "size": [64, 96],
        "note": "a {{prompt}} inside",
        "ref": "in/base.png",
    }
    assert loaded.graph["1"]["inputs"]["seed"] == "{{ seed }}"  # the loaded workflow is never changed


def test_a_history_entry_says_how_the_prompt_ended():
    failed = {
        "status": {
            "status_str": "error",
            "completed": False,
            "messages": [
                ["execution_start", {}],
                ["execution_error", {"node_id": "13", "node_type": "KSampler", "exception_message": "OOM"}],
            ],
        }
    }
    assert failure_of(failed) == "ComfyUI failed at node 13 (KSampler): OOM"
    interrupted = {"status": {"status_str": "error", "messages": [["execution_interrupted", {}]]}}
    assert failure_of(interrupted) == "ComfyUI interrupted the prompt"
    assert failure_of({"outputs": {}}) is None  # servers that write no status: in the history means done
    entry = {
        "outputs": {
            "9": {"images": [{"filename": "p.png", "subfolder": "", "type": "temp"}]},
            "15": {"images": [{"filename": "s.png", "subfolder": "x", "type": "output"}]},
        }
    }
    assert first_image(entry) == {"filename": "s.png", "subfolder": "x", "type": "output"}  # saved beats preview
    assert first_image({"outputs": {"3": {"text": ["no image"]}}}) is None


def test_prompt_ids_are_stable_per_prediction():
    generation = str(uuid.uuid4())
    assert prompt_id_for(generation, 0, 5) == prompt_id_for(generation, 0, 5)
    assert len({prompt_id_for(generation, 0, 5), prompt_id_for(generation, 1, 6), prompt_id_for("x", 0, 5)}) == 3


def test_the_supported_size_closest_to_the_looks_aspect_is_asked_for():
    sizes = parse_sizes("1024x1024, 1024x1536,1536x1024")
    assert size_for(512, 768, sizes) == "1024x1536"
    assert size_for(1600, 900, sizes) == "1536x1024"
    assert size_for(700, 720, sizes) == "1024x1024"
    assert size_for(333, 444, parse_sizes("")) == "333x444"  # a server that renders any size
    with pytest.raises(ValueError):
        parse_sizes("1024by1024")


def png(mode: str = "RGB", fmt: str = "PNG") -> bytes:
    out = io.BytesIO()
    Image.new(mode, (4, 4), "red").save(out, format=fmt)
    return out.getvalue()


def test_images_travel_named_by_their_format_and_come_back_as_png():
    assert image_file(png(fmt="JPEG"), "base")[::2] == ("base.jpg", "image/jpeg")
    assert image_file(b"not an image", "ref")[::2] == ("ref.png", "image/png")
    assert as_png(png(fmt="WEBP"), "server").startswith(b"\x89PNG")
    assert as_png(png(), "server") == png()


def test_the_prompt_describes_the_shot_and_says_what_the_images_are():
    inputs = {"subject_name": "Anna", "product_name": "Red coat", "framing": "DETAIL", "view_angle": "SIDE"}
    job = RenderJob("g", [1], inputs | {"prompt": "studio light"}, b"base", [b"ref"])
    assert describe(job) == (
        "Fashion e-commerce photograph of Anna wearing Red coat, a close-up detail shot seen from the side, "
        "studio light. Keep the person of the first image; dress them as the other images show."
    )
    assert job.images == [b"base", b"ref"]
    assert (
        describe(RenderJob("g", [1], {}, b"base")) == "Fashion e-commerce photograph of the model wearing the garment."
    )


def test_what_is_worth_retrying_and_when():
    assert [s for s in (400, 401, 404, 408, 422, 429, 500, 503) if is_retryable(s)] == [408, 429, 500, 503]
    assert retry_after(httpx.Response(429, headers={"Retry-After": "3"})) == 3.0
    assert retry_after(httpx.Response(429, headers={"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"})) == 0.0
    assert retry_after(httpx.Response(503)) is None
