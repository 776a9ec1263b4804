"""The `rules` stylist's choice (D0.42): gender, slots, limit, instruction."""

from __future__ import annotations

from services.outfits.domain.styling import Candidate, complementary, instruction, wearable_genders

DRESS = Candidate("dress", "Dress", "FEMALE", placement="body")


def test_wearable_genders_follow_the_subject_then_the_core_product():
    assert wearable_genders("FEMALE", "UNISEX") == {"FEMALE", "UNISEX"}
    assert wearable_genders("OTHER", "FEMALE") == {"UNISEX"}
    assert wearable_genders(None, "MALE") == {"MALE", "UNISEX"}


def test_one_gender_compatible_product_per_slot_other_than_the_core_products():
    candidates = [
        DRESS,
        Candidate("body2", "Another dress", "FEMALE", placement="Body"),  # the core product's slot
        Candidate("shoes-a", "Pumps", "FEMALE", placement="feet"),
        Candidate("shoes-b", "Boots", "UNISEX", placement="feet"),  # same slot: one only
        Candidate("tie", "Tie", "MALE", placement="neck"),  # not for a female subject
        Candidate("bag", "Bag", "UNISEX", product_type="bag"),  # no placement: its type is the slot
        Candidate("nothing", "Mystery", "UNISEX"),  # no slot at all
    ]
    chosen = complementary(DRESS, candidates, "FEMALE", limit=3)
    assert [c.id for c in chosen] == ["bag", "shoes-b"]  # by slot, then name: Boots before Pumps


def test_at_most_limit_products():
    candidates = [Candidate(f"p{i}", f"P{i}", "UNISEX", placement=f"slot{i}") for i in range(6)]
    assert len(complementary(DRESS, candidates, None, limit=3)) == 3


def test_instruction_names_the_products_or_says_there_is_none():
    chosen = [Candidate("a", "Belt", "UNISEX"), Candidate("b", "Boots", "UNISEX")]
    assert instruction(DRESS, chosen) == "Style Dress with Belt and Boots; keep Dress the focus of every shot."
    assert "No complementary product" in instruction(DRESS, [])
