"""Export formats and configurations (JPEG, PNG, WEBP, AVIF; adapters `default`, `ovs`; D0.33).

A configuration is what an export renders with; when neither the look nor the user names one,
JPEG with the `default` adapter applies (the issue's fallback order: look, user, default).
"""

from __future__ import annotations

from dataclasses import dataclass

from platformkit.errors import Invalid
from platformkit.field_paths import FieldPath

# Format -> (content type, file extension).
FORMATS: dict[str, tuple[str, str]] = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
    "AVIF": ("image/avif", "avif"),
}
ADAPTER_CODES = ("default", "ovs")
# Lossy formats without a configured quality; PNG ignores quality (it is lossless).
DEFAULT_QUALITY = 90


@dataclass(frozen=True)
class RenderSpec:
    """How one image is rendered: a format, a quality and a metadata adapter."""

    format: str = "JPEG"
    quality: int | None = None
    adapter: str = "default"

    @property
    def content_type(self) -> str:
        return FORMATS[self.format][0]

    @property
    def extension(self) -> str:
        return FORMATS[self.format][1]

    @property
    def effective_quality(self) -> int:
        return self.quality if self.quality is not None else DEFAULT_QUALITY


DEFAULT_SPEC = RenderSpec()


def ensure_format(value: str, loc: FieldPath) -> str:
    if value not in FORMATS:
        raise Invalid.at(loc, f"Input should be {', '.join(FORMATS)}", "enum")
    return value


def ensure_adapter(value: str, loc: FieldPath) -> str:
    if value not in ADAPTER_CODES:
        raise Invalid.at(loc, f"Input should be {', '.join(ADAPTER_CODES)}", "enum")
    return value


def ensure_quality(value: int | None, loc: FieldPath) -> int | None:
    if value is not None and not 1 <= value <= 100:
        raise Invalid.at(loc, "Quality must be between 1 and 100", "value_error")
    return value


def ensure_name(value: str, loc: FieldPath) -> str:
    if not 1 <= len(value) <= 255:
        raise Invalid.at(loc, "Name must have 1 to 255 characters", "string_length")
    return value
