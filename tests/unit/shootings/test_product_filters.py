"""The product filter shared by GET /products/ and E8's ``product_filters``, and page bounds."""

from __future__ import annotations

import pytest

from platformkit.errors import Invalid
from services.shootings.catalog.filters import escape_like, parse_product_filter
from services.shootings.shared.inputs import check_page

E8 = ("product_filters",)


def test_defaults_sort_newest_first_and_page_like_every_list():
    parsed = parse_product_filter({}, E8)
    assert (parsed.sort_by, parsed.sort_order, parsed.descending) == ("created_at", "desc", True)
    assert (parsed.skip, parsed.limit) == (0, 100)
    assert parsed.flags() == {} and parsed.exact_texts() == {} and not parsed.shot_statuses.active


def test_every_key_is_parsed():
    parsed = parse_product_filter(
        {
            "archived": False,
            "enabled": True,
            "demo": "true",
            "brand": "Acme",
            "brand_collection": "SS27",
            "product_type": "coat",
            "search": "wool",
            "gender": "FEMALE",
            "shot_statuses": ["APPROVED", "WITHOUT_STATUS"],
            "sort_by": "sku",
            "sort_order": "asc",
            "skip": 10.0,
            "limit": 5,
        },
        E8,
    )
    assert parsed.flags() == {"archived": False, "enabled": True, "demo": True}
    assert parsed.exact_texts() == {"brand": "Acme", "brand_collection": "SS27", "product_type": "coat"}
    assert (parsed.search, parsed.gender, parsed.sort_by, parsed.descending) == ("wool", "FEMALE", "sku", False)
    assert parsed.shot_statuses.statuses == {"APPROVED"} and parsed.shot_statuses.without_status
    assert (parsed.skip, parsed.limit) == (10, 5)


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ({"sort_by": "price"}, "sort_by"),
        ({"sort_order": "up"}, "sort_order"),
        ({"gender": "OTHER"}, "gender"),
        ({"colour": "red"}, "colour"),
        ({"limit": 1001}, "limit"),
        ({"skip": -1}, "skip"),
        ({"archived": "maybe"}, "archived"),
        ({"shot_statuses": ["DONE"]}, "shot_statuses"),
    ],
)
def test_unknown_keys_and_values_are_422_at_the_key(raw, key):
    with pytest.raises(Invalid) as caught:
        parse_product_filter(raw, E8)
    assert [v.loc[:3] for v in caught.value.violations] == [(*E8, key)]


def test_like_patterns_match_literally():
    assert escape_like(r"100%_a\b") == r"100\%\_a\\b"


def test_page_bounds():
    assert check_page(0, 0).limit == 0
    with pytest.raises(Invalid) as caught:
        check_page(-1, 1001)
    assert {v.loc for v in caught.value.violations} == {("page", "skip"), ("page", "limit")}
