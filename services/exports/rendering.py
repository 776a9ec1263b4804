"""Rendering an image for export: decode, convert to the configured format, write the adapter's
metadata, name the file. CPU-bound and synchronous: callers run it in a worker thread.

Metadata per format (D0.34; as Pillow 13 writes it): EXIF in every format (IFD0
``ImageDescription`` holds the adapter's fields as JSON, ``DocumentName`` the file name,
``Software`` this platform); XMP through Pillow's ``xmp=`` for JPEG, WebP and AVIF, and as the
``XML:com.adobe.xmp`` iTXt chunk for PNG, with the adapter's fields as properties of its
namespace.
"""

from __future__ import annotations

import asyncio
import io
import json
from dataclasses import dataclass
from xml.sax.saxutils import quoteattr

from PIL import Image, ImageOps, UnidentifiedImageError
from PIL.PngImagePlugin import PngInfo

from platformkit.media import MediaSettings, MediaStore
from platformkit.media.fetch import FetchError, fetch_image
from services.exports.domain.adapters import ADAPTERS, ImageFacts
from services.exports.domain.formats import RenderSpec

SOFTWARE = "shooting-platform exports"
EXIF_DOCUMENT_NAME = 0x010D
EXIF_IMAGE_DESCRIPTION = 0x010E
EXIF_SOFTWARE = 0x0131
XMP_PNG_KEY = "XML:com.adobe.xmp"
_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"


class RenderError(Exception):
    """The source is not an image Pillow can decode, or cannot be written in the format."""


class RefusedSource(RenderError):
    """The source is a URL that may not be fetched (a non-public address in production): the
    request's fault, not the platform's."""


@dataclass(frozen=True)
class Rendered:
    data: bytes
    filename: str
    content_type: str


def xmp_packet(namespace: str, prefix: str, fields: dict[str, str]) -> bytes:
    """A standard XMP packet with ``fields`` as attributes of one rdf:Description."""
    attributes = "".join(f" {prefix}:{name}={quoteattr(value)}" for name, value in fields.items())
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        f'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="{_RDF}">'
        f'<rdf:Description rdf:about="" xmlns:{prefix}="{namespace}"{attributes}/>'
        '</rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
    ).encode()


def _exif(fields: dict[str, str], filename: str) -> Image.Exif:
    exif = Image.Exif()
    exif[EXIF_IMAGE_DESCRIPTION] = json.dumps(fields, ensure_ascii=True, separators=(",", ":"))
    exif[EXIF_DOCUMENT_NAME] = filename
    exif[EXIF_SOFTWARE] = SOFTWARE
    return exif


def _decoded(source: bytes) -> Image.Image:
    try:
        image = Image.open(io.BytesIO(source))
        image.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise RenderError(f"the source image cannot be decoded: {exc}") from None
    # The camera's orientation applied once, so no viewer rotates the export a second time.
    return ImageOps.exif_transpose(image)


def _converted(image: Image.Image, spec: RenderSpec) -> Image.Image:
    keeps_alpha = spec.format != "JPEG"
    has_alpha = image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info)
    if has_alpha and keeps_alpha:
        return image.convert("RGBA")
    if has_alpha:  # JPEG has no alpha: flatten on white rather than on black
        background = Image.new("RGB", image.size, (255, 255, 255))
        background.paste(image.convert("RGBA"), mask=image.convert("RGBA").getchannel("A"))
        return background
    return image.convert("RGB")


def render(source: bytes, spec: RenderSpec, facts: ImageFacts) -> Rendered:
    adapter = ADAPTERS[spec.adapter]
    filename = adapter.filename(facts, spec.extension)
    fields = adapter.fields(facts)
    image = _converted(_decoded(source), spec)
    xmp = xmp_packet(adapter.namespace, adapter.prefix, fields)
    options: dict[str, object] = {"exif": _exif(fields, filename).tobytes()}
    if spec.format == "PNG":
        info = PngInfo()
        info.add_itxt(XMP_PNG_KEY, xmp.decode())
        options["pnginfo"] = info
    else:
        options.update(quality=spec.effective_quality, xmp=xmp)
    out = io.BytesIO()
    try:
        image.save(out, format=spec.format, **options)
    except (OSError, ValueError) as exc:
        raise RenderError(f"the image cannot be written as {spec.format}: {exc}") from None
    return Rendered(out.getvalue(), filename, spec.content_type)


class Renderer:
    """Fetches a source image (media store, ``data:`` or http(s) with a timeout and the
    ``MEDIA_FETCH_MAX_BYTES`` cap) and renders it off the event loop."""

    def __init__(self, media: MediaSettings, store: MediaStore) -> None:
        self.media = media
        self.store = store

    async def render(self, source: str, spec: RenderSpec, facts: ImageFacts) -> Rendered:
        try:
            data = await fetch_image(source, self.media, self.store)
        except FetchError as exc:
            if exc.refused:
                raise RefusedSource(f"the source image may not be fetched: {exc}") from None
            raise RenderError(f"the source image is unavailable: {exc}") from None
        return await asyncio.to_thread(render, data, spec, facts)
