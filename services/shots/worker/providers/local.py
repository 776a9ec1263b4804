"""The ``local`` provider: a real image rendered with Pillow, offline and deterministic.

The picture is a composition, not a model: the subject's base image framed as the shot type
says (full body, upper or lower part, detail), tinted towards the references' average colour,
on a seed-drawn backdrop, with the references as swatches and a caption. The same seed and
inputs give the same bytes; another seed gives another image. ``cost_seconds`` is added per
image (an ``asyncio.sleep``: it models a remote GPU, not local CPU), so a benchmark can set a
fixed cost and measure how throughput scales with workers.
"""

from __future__ import annotations

import asyncio
import io
import random

from PIL import Image, ImageDraw, ImageOps, ImageStat, UnidentifiedImageError

from services.shots.worker.providers import ProviderError, RenderJob

# Portion of the base image each framing keeps: (left, top, right, bottom) as fractions.
_FRAMING_CROPS = {
    "FULL_BODY": (0.0, 0.0, 1.0, 1.0),
    "UPPER_BODY": (0.0, 0.0, 1.0, 0.55),
    "LOWER_BODY": (0.0, 0.45, 1.0, 1.0),
    "UPPER_THREE_QUARTERS": (0.0, 0.0, 1.0, 0.75),
    "LOWER_THREE_QUARTERS": (0.0, 0.25, 1.0, 1.0),
    "DETAIL": (0.3, 0.3, 0.7, 0.7),
}


def _open(data: bytes, what: str) -> Image.Image:
    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError) as exc:
        raise ProviderError(f"{what} is not a readable image ({exc})", retryable=False) from None
    return ImageOps.exif_transpose(image).convert("RGB")


def _average(images: list[Image.Image]) -> tuple[int, int, int] | None:
    if not images:
        return None
    means = [ImageStat.Stat(i.resize((16, 16))).mean for i in images]
    return tuple(int(sum(m[c] for m in means) / len(means)) for c in range(3))  # type: ignore[return-value]


def render_one(job: RenderJob, seed: int) -> bytes:
    """One PNG for ``seed`` (pure: no I/O, safe in a thread)."""
    rng = random.Random(seed)
    width, height = job.width, job.height
    canvas = Image.new("RGB", (width, height), tuple(rng.randrange(40, 216) for _ in range(3)))  # type: ignore[arg-type]
    draw = ImageDraw.Draw(canvas)
    for _ in range(12):  # a seed-drawn backdrop: the visible difference between two seeds
        x, y = rng.randrange(width), rng.randrange(height)
        r = rng.randrange(width // 12, width // 3)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=tuple(rng.randrange(256) for _ in range(3)))
    base = _open(job.base_image, "the base image")
    left, top, right, bottom = _FRAMING_CROPS.get(str(job.inputs.get("framing", "")), _FRAMING_CROPS["FULL_BODY"])
    base = base.crop(
        (int(left * base.width), int(top * base.height), int(right * base.width), int(bottom * base.height))
    )
    references = [_open(data, f"reference image {n + 1}") for n, data in enumerate(job.references)]
    tint = _average(references)
    if tint is not None:
        base = Image.blend(base, Image.new("RGB", base.size, tint), 0.25)
    subject = ImageOps.contain(base, (int(width * 0.8), int(height * 0.75)))
    canvas.paste(subject, ((width - subject.width) // 2, int(height * 0.05)))
    swatch = max(height // 12, 8)
    for n, reference in enumerate(references[:6]):
        canvas.paste(ImageOps.fit(reference, (swatch, swatch)), (8 + n * (swatch + 4), height - swatch - 28))
    caption = f"{job.inputs.get('shot_type_name', '')} {job.inputs.get('view_angle', '')} seed {seed}".strip()
    draw.text((8, height - 20), caption, fill=(255, 255, 255))
    out = io.BytesIO()
    canvas.save(out, format="PNG")
    return out.getvalue()


class LocalProvider:
    name = "local"

    def __init__(self, cost_seconds: float = 0.0) -> None:
        self.cost_seconds = cost_seconds

    async def render(self, job: RenderJob) -> list[bytes]:
        images = []
        for seed in job.seeds:
            images.append(await asyncio.to_thread(render_one, job, seed))
            if self.cost_seconds > 0:
                await asyncio.sleep(self.cost_seconds)
        return images
