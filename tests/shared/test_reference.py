"""Reference data: regions, municipalities, growth forums, national parties, CVR."""

import pytest

from shared import reference as ref


def test_five_regions_with_official_codes() -> None:
    assert [r.code for r in ref.regions()] == ["1081", "1082", "1083", "1084", "1085"]
    assert ref.region_by_code()["1084"].name == "Region Hovedstaden"


def test_ninety_eight_municipalities_with_four_digit_codes_in_known_regions() -> None:
    municipalities = ref.municipalities()
    assert len(municipalities) == 98
    assert len({m.code for m in municipalities}) == 98
    assert all(len(m.code) == 4 and m.code.isdigit() for m in municipalities)
    assert all(m.region_code in ref.region_by_code() for m in municipalities)
    assert ref.municipality_by_code()["0101"].name == "København"
    assert ref.region_of_municipality("0751") == "1082"  # Aarhus


def test_six_growth_forums_and_bornholm_has_its_own() -> None:
    assert len(ref.GROWTH_FORUMS) == 6
    assert ref.growth_forum_for_region("1084").id == "vaekstforum-hovedstaden"
    assert ref.growth_forum_for_region("1084", "0400").id == "vaekstforum-bornholm"
    assert ref.growth_forum_for_region("1081").id == "vaekstforum-nordjylland"
    with pytest.raises(KeyError):
        ref.growth_forum_for_region("9999")


def test_reference_parties_are_unique_and_complete() -> None:
    parties = ref.reference_parties()
    ids = [p.id for p in parties]
    assert len(ids) == len(set(ids))
    kinds = [p.kind for p in parties]
    assert kinds.count("municipality") == 98
    assert kinds.count("region") == 5
    assert kinds.count("growth_forum") == 6
    assert {"fivu-rti", "kl", "klyngeforum"} <= set(ids)
    # FIVU (Uddannelsesministeriet) and the four other ministries of footnote 2
    assert kinds.count("ministry") == 5


@pytest.mark.parametrize("value", ["13585628", "DK 13 58 56 28", "DK13585628"])
def test_valid_cvr_is_normalised(value: str) -> None:
    assert ref.normalise_cvr(value) == "13585628"


@pytest.mark.parametrize("value", ["13585627", "1358562", "abcdefgh", ""])
def test_invalid_cvr_is_refused_with_a_reason(value: str) -> None:
    with pytest.raises(ref.InvalidCvr, match="not a valid CVR"):
        ref.normalise_cvr(value)
