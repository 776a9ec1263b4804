"""Text a caller gives as a URL that ``urllib`` cannot read (an unbalanced ``[`` in the host, a
port that is not one, characters NFKC turns into delimiters) is answered as bad input by every
check that reads URLs, never raised as ``ValueError`` (which ended as a 500)."""

from __future__ import annotations

import pytest

from platformkit.errors import Invalid
from platformkit.media.keys import key_from_url
from platformkit.urls import split_url
from services.exports.domain.integrations import ensure_endpoint_url
from services.shots.domain.revisions import ImageInput, check_images

UNREADABLE = ["https://[x", "https://]x/a.png", "https://h:99999/", "https://h:ab/", "https://\uff03x/"]


@pytest.mark.parametrize("text", UNREADABLE)
def test_unreadable_urls_are_none(text: str) -> None:
    assert split_url(text) is None


def test_readable_urls_are_split() -> None:
    parts = split_url("http://[::1]:8080/api/v1/media/a.png")
    assert parts is not None and (parts.hostname, parts.port, parts.path) == ("::1", 8080, "/api/v1/media/a.png")


@pytest.mark.parametrize("text", UNREADABLE)
def test_an_unreadable_endpoint_url_is_a_field_violation(text: str) -> None:
    with pytest.raises(Invalid) as caught:
        ensure_endpoint_url(text, ("fields", "endpoint_url"))
    assert caught.value.violations[0].loc == ("fields", "endpoint_url")


@pytest.mark.parametrize("text", UNREADABLE)
def test_an_unreadable_image_url_is_a_field_violation_and_no_media_key(text: str) -> None:
    assert key_from_url(text) is None
    with pytest.raises(Invalid) as caught:
        check_images([ImageInput("UPLOAD", image_url=text)])
    assert caught.value.violations[0].loc[-1] == "image_url"
