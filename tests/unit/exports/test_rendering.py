"""Rendering for download and push (R137): each format recognised by its file signature, the
adapter's metadata read back from EXIF and XMP, the adapter's file name."""

from __future__ import annotations

import io
import json

import pytest
from PIL import Image

from services.exports.domain.adapters import ADAPTERS, ImageFacts
from services.exports.domain.formats import RenderSpec
from services.exports.rendering import EXIF_DOCUMENT_NAME, EXIF_IMAGE_DESCRIPTION, RenderError, render

FACTS = ImageFacts(
    revision_id="5f0c6d1e-0000-4000-8000-000000000001",
    revision_version=3,
    shot_id="shot-1",
    production_request_id="look-1",
    product_id="product-1",
    product_name="Robe d'été",
    sku="SKU-42",
    shot_type="Front view",
    shot_type_code=None,
    shooting_id="shooting-1",
    shooting_name="Summer 27",
)
SIGNATURES = {
    "JPEG": lambda data: data[:3] == b"\xff\xd8\xff",
    "PNG": lambda data: data[:8] == b"\x89PNG\r\n\x1a\n",
    "WEBP": lambda data: data[:4] == b"RIFF" and data[8:12] == b"WEBP",
    "AVIF": lambda data: data[4:12] in (b"ftypavif", b"ftypavis"),
}


def source(mode: str = "RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, (40, 60), (200, 30, 30, 120) if mode == "RGBA" else (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def xmp_of(image: Image.Image) -> dict[str, str]:
    return image.getxmp()["xmpmeta"]["RDF"]["Description"]


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "AVIF"])
def test_r137_default_adapter_writes_exif_and_xmp_in_every_format(fmt: str) -> None:
    rendered = render(source(), RenderSpec(fmt, 80, "default"), FACTS)
    assert SIGNATURES[fmt](rendered.data)
    image = Image.open(io.BytesIO(rendered.data))
    assert image.format == fmt and image.size == (40, 60)
    exif = image.getexif()
    described = json.loads(exif[EXIF_IMAGE_DESCRIPTION])
    assert (described["Sku"], described["Product"], described["ShotType"]) == ("SKU-42", "Robe d'été", "Front view")
    assert (described["Revision"], described["Shooting"]) == (FACTS.revision_id, "Summer 27")
    assert exif[EXIF_DOCUMENT_NAME] == rendered.filename == f"SKU-42_Front-view_v3.{rendered.filename.rsplit('.')[-1]}"
    xmp = xmp_of(image)
    assert (xmp["Sku"], xmp["Product"], xmp["ShotType"], xmp["RevisionVersion"]) == (
        "SKU-42",
        "Robe d'été",
        "Front view",
        "3",
    )
    assert rendered.content_type == f"image/{fmt.lower()}"


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_r137_ovs_adapter_names_and_describes_the_ovs_way(fmt: str) -> None:
    facts = ImageFacts(**{**FACTS.__dict__, "shot_type_code": "f1", "external_id": "OVS-778"})
    rendered = render(source(), RenderSpec(fmt, None, "ovs"), facts)
    assert rendered.filename == f"SKU-42_F1_03.{'jpg' if fmt == 'JPEG' else 'png'}"
    xmp = xmp_of(Image.open(io.BytesIO(rendered.data)))
    assert (xmp["ArticleCode"], xmp["ShotCode"], xmp["Version"], xmp["ExternalId"]) == ("SKU-42", "f1", "03", "OVS-778")
    assert "Sku" not in xmp


def test_adapters_publish_their_naming_convention() -> None:
    assert {code: a.naming_convention_example for code, a in ADAPTERS.items()} == {
        "default": "SKU-123_front_v2.jpg",
        "ovs": "SKU-123_FRONT_02.jpg",
    }


def test_names_are_safe_without_a_sku_or_shot_type() -> None:
    bare = ImageFacts(revision_id="r", revision_version=1, shot_id="s", production_request_id="l", product_id="p")
    assert ADAPTERS["default"].filename(bare, "png") == "product_shot_v1.png"
    odd = ImageFacts(**{**bare.__dict__, "sku": 'a/b"c\\d é', "shot_type": "../x"})
    assert ADAPTERS["default"].filename(odd, "jpg") == "a-b-c-d-e_x_v1.jpg"


def test_quality_changes_lossy_output_and_jpeg_flattens_alpha_on_white() -> None:
    low, high = (render(source(), RenderSpec("JPEG", q, "default"), FACTS).data for q in (5, 95))
    assert len(low) < len(high)
    flat = Image.open(io.BytesIO(render(source("RGBA"), RenderSpec("JPEG", 95, "default"), FACTS).data))
    assert flat.mode == "RGB" and flat.getpixel((5, 5))[1] > 100  # 53 % red over white, not over black
    kept = Image.open(io.BytesIO(render(source("RGBA"), RenderSpec("PNG", None, "default"), FACTS).data))
    assert kept.mode == "RGBA" and kept.getpixel((5, 5))[3] == 120


def test_a_source_that_is_not_an_image_is_a_render_error() -> None:
    with pytest.raises(RenderError, match="cannot be decoded"):
        render(b"<html>not an image</html>", RenderSpec(), FACTS)
