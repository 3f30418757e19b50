"""Search navigation (``product.search.keywordSNQuery``, ``snId``): facets of a keyword's matches.

Three navigations, each a main id with children ``main:child`` (all strings,
as the page types them):

- ``970`` 类型 / Type: the kind a title names (吸管, 弹盖...);
- ``973`` 风格 / Style: the traits a title shows (不锈钢, 儿童...);
- ``978`` 材质 / Material: the ``材质`` attribute (a material trait's, else the category's).

Facets are derived from the catalogue, not a partition: an offer has at
most one kind (often none) and zero to two traits, so it may match several
facets of a navigation or none; only the material is always there. A child
id names the same term in every category (``970:20012`` is 吸管 wherever 吸管
is a kind), a main id matches any of its children. Ids are stable: a term's
child code is its position in :data:`vocabulary.TERMS` plus 20,000, a
material's its position in :data:`vocabulary.MATERIALS` plus 1,000.

Per category block a facet becomes a table indexed by (kind, trait bits):
one lookup per row, so filtering by a facet costs what a price band does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import vocabulary

KIND, TRAIT, MATERIAL = "kind", "trait", "material"


@dataclass(frozen=True)
class Navigation:
    id: str
    name: str
    translate_name: str
    role: str


NAVIGATIONS: tuple[Navigation, ...] = (
    Navigation("970", "类型", "Type", KIND),
    Navigation("973", "风格", "Style", TRAIT),
    Navigation("978", "材质", "Material", MATERIAL),
)
_BY_ID = {navigation.id: navigation for navigation in NAVIGATIONS}
_TERM_CODES = {term: 20_000 + position for position, term in enumerate(vocabulary.TERMS)}
_TERMS_BY_CODE = {code: term for term, code in _TERM_CODES.items()}
_MATERIAL_CODES = {material: 1_000 + position for position, material in enumerate(vocabulary.MATERIALS)}
_MATERIALS_BY_CODE = {code: material for material, code in _MATERIAL_CODES.items()}
_SN_ID = re.compile(r"(\d{1,9})(?::(\d{1,9}))?")
#: Trait bits of a title: at most 7 traits per category.
_MASKS = 1 << 7


@dataclass(frozen=True)
class Facet:
    """A parsed ``snId``: a navigation and, for a child, its term or material (``None`` for a main id)."""

    navigation: str
    value: str | None
    #: The id named nothing the catalogue knows: it matches no offer.
    unknown: bool = False


def parse(sn_id: str) -> Facet:
    """The facet an ``snId`` names; ``ValueError`` when it is not ``"978"`` or ``"978:1352"`` shaped."""
    match = _SN_ID.fullmatch(sn_id.strip())
    if not match:
        raise ValueError(f"snId={sn_id!r} is not a navigation id such as 978 or 978:1352")
    navigation = _BY_ID.get(match.group(1))
    if navigation is None:
        return Facet(match.group(1), None, unknown=True)
    if match.group(2) is None:
        return Facet(navigation.id, None)
    code = int(match.group(2))
    value = (_MATERIALS_BY_CODE if navigation.role == MATERIAL else _TERMS_BY_CODE).get(code)
    return Facet(navigation.id, value, unknown=value is None)


def child_id(navigation: Navigation, value: str) -> str:
    code = _MATERIAL_CODES[value] if navigation.role == MATERIAL else _TERM_CODES[value]
    return f"{navigation.id}:{code}"


def child_name(navigation: Navigation, value: str) -> str:
    return vocabulary.MATERIALS[value] if navigation.role == MATERIAL else vocabulary.TERMS[value]


def material_of(leaf: vocabulary.LeafCategory, traits: int) -> str:
    """The ``材质`` of an offer: its first material trait's material, else the category's."""
    for position, trait in enumerate(leaf.traits):
        if traits >> position & 1 and trait in vocabulary.TRAIT_MATERIALS:
            return vocabulary.TRAIT_MATERIALS[trait]
    return leaf.material


def values(leaf: vocabulary.LeafCategory, kind: int, traits: int) -> list[tuple[Navigation, str]]:
    """Every facet child an offer of ``leaf`` with this kind position (-1: none) and trait bits matches."""
    found = [(NAVIGATIONS[1], trait) for position, trait in enumerate(leaf.traits) if traits >> position & 1]
    if kind >= 0:
        found.insert(0, (NAVIGATIONS[0], leaf.kinds[kind]))
    found.append((NAVIGATIONS[2], material_of(leaf, traits)))
    return found


def table(facet: Facet, leaf: vocabulary.LeafCategory) -> bytes | None:
    """Which (kind, trait bits) rows of ``leaf`` match, as ``table[(kind + 1) << 7 | traits]``; ``None``: none."""
    if facet.unknown:
        return None
    role = _BY_ID[facet.navigation].role
    if role == KIND and facet.value is not None and facet.value not in leaf.kinds:
        return None
    if role == TRAIT and facet.value is not None and facet.value not in leaf.traits:
        return None
    rows = bytearray((len(leaf.kinds) + 1) * _MASKS)
    for kind in range(-1, len(leaf.kinds)):
        for traits in range(1 << len(leaf.traits)):
            if role == KIND:
                hit = kind >= 0 and (facet.value is None or leaf.kinds[kind] == facet.value)
            elif role == TRAIT:
                hit = traits != 0 if facet.value is None else bool(traits >> leaf.traits.index(facet.value) & 1)
            else:
                hit = facet.value is None or material_of(leaf, traits) == facet.value
            rows[(kind + 1) * _MASKS | traits] = hit
    return bytes(rows) if any(rows) else None
