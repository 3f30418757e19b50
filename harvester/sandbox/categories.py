"""The category tree behind ``topCategoryId``, ``secondCategoryId`` and ``thirdCategoryId``, and its names.

Three levels, as 1688's (``alibaba.category.get``: "1688 categories have
only three levels; level-3 categories are the leaf categories"): the top
and second categories of :mod:`vocabulary` and its leaf categories, whose
ids are the ones search items and details carry. Category 0 is the root,
named ``根类目`` (``Root``), whose children are the top categories.

Names: every category has a Chinese and an English name. A language asks
for one of them: ``en`` gives English, ``zh`` Chinese; the sandbox has no
other translations, so any other language (``ja``, ``ko``...) gives the
English name and says ``en`` in the answer's ``language``. A search by name
(``getByKeyword``, "supports fuzzy search") finds every category whose
Chinese name or name in the asked language holds the text, ignoring case,
width and spaces, as the page's sample finds 袜子 (靴下) for 靴 in Japanese.

Categories of the industries that take custom work (apparel, shoes, bags,
textiles, crafts) support processing (``isSupportProcessing``), and so do
their parents.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import vocabulary
from .search import fold

ROOT = 0
ROOT_NAME, ROOT_NAME_EN = "根类目", "Root"
#: Industries whose leaf categories support processing (加工定制).
PROCESSING_INDUSTRIES = frozenset({"apparel", "shoes", "bags", "textiles", "crafts"})
ENGLISH, CHINESE = "en", "zh"


@dataclass(frozen=True)
class CategoryNode:
    id: int
    name: str
    name_en: str
    #: 0 for the root, then 1, 2 and 3 (leaf).
    level: int
    #: ``None`` for the root; 0 for the top categories.
    parent_id: int | None
    children: tuple[int, ...]
    processing: bool

    @property
    def leaf(self) -> bool:
        return self.level == 3

    def name_in(self, language: str) -> tuple[str, str]:
        """The name in a language and the language it really is in (English when the sandbox has no other)."""
        return (self.name, CHINESE) if language == CHINESE else (self.name_en, ENGLISH)


class CategoryTree:
    def __init__(self) -> None:
        leaves: dict[int, list[vocabulary.LeafCategory]] = {}
        for leaf in vocabulary.LEAF_CATEGORIES:
            leaves.setdefault(leaf.second_id, []).append(leaf)
        seconds: dict[int, list[int]] = {}
        for second_id, (_name, _name_en, top_id) in vocabulary.SECOND_CATEGORIES.items():
            seconds.setdefault(top_id, []).append(second_id)
        nodes: dict[int, CategoryNode] = {}
        for second_id, children in leaves.items():
            for leaf in children:
                nodes[leaf.id] = CategoryNode(
                    leaf.id,
                    leaf.head,
                    vocabulary.TERMS[leaf.head],
                    3,
                    second_id,
                    (),
                    leaf.industry in PROCESSING_INDUSTRIES,
                )
            name, name_en, top_id = vocabulary.SECOND_CATEGORIES[second_id]
            nodes[second_id] = CategoryNode(
                second_id,
                name,
                name_en,
                2,
                top_id,
                tuple(sorted(leaf.id for leaf in children)),
                any(nodes[leaf.id].processing for leaf in children),
            )
        for top_id, (name, name_en) in vocabulary.TOP_CATEGORIES.items():
            children_ids = tuple(sorted(seconds.get(top_id, ())))
            nodes[top_id] = CategoryNode(
                top_id, name, name_en, 1, ROOT, children_ids, any(nodes[child].processing for child in children_ids)
            )
        nodes[ROOT] = CategoryNode(
            ROOT, ROOT_NAME, ROOT_NAME_EN, 0, None, tuple(sorted(vocabulary.TOP_CATEGORIES)), False
        )
        self._nodes = nodes
        self._leaves = {leaf.id: leaf for leaf in vocabulary.LEAF_CATEGORIES}

    def node(self, category_id: int) -> CategoryNode | None:
        return self._nodes.get(category_id)

    def leaves_under(self, category_id: int) -> list[vocabulary.LeafCategory]:
        """The leaf categories of a category (itself, when it is one), in id order."""
        node = self._nodes.get(category_id)
        if node is None:
            return []
        if node.leaf:
            return [self._leaves[node.id]]
        return [leaf for child in node.children for leaf in self.leaves_under(child)]

    def matching(self, text: str, language: str) -> list[CategoryNode]:
        """Categories (the root aside) whose Chinese name or name in ``language`` holds ``text``, by id."""
        wanted = fold(text)
        return [
            node
            for category_id, node in sorted(self._nodes.items())
            if category_id != ROOT and (wanted in fold(node.name) or wanted in fold(node.name_in(language)[0]))
        ]
