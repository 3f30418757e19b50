"""Every reference a normalised offer makes to a picture or a video, by kind (role).

One reference is one future row of ``media``: the same URL named by many
SKUs (every size of one colour shows the colour's swatch), by the main
pictures and the description, or by many offers (a seller's banner) is one
row each, and one download (``harvester.media.pipeline``).
"""

from __future__ import annotations

import html
import re
from collections.abc import Collection
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from ..items import Product
from .roles import DESCRIPTION, MAIN, ROLES, SKU, VIDEO

#: ``src`` of each ``<img>`` of a description (quoted or not); descriptions are the sellers' own HTML.
_IMG_SRC = re.compile(r"""<img\b[^>]*?\bsrc\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"']+))""", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Reference:
    offer_id: int
    sku_id: int | None
    role: str
    #: Order within the role (see ``media.position`` in the schema).
    position: int
    url: str


def absolute(url: str | None, base: str) -> str | None:
    """An http(s) URL for a reference (protocol-relative and relative ones resolved), or None (``data:``, junk)."""
    if not url:
        return None
    text = html.unescape(url.strip())
    resolved = urljoin(base, text)
    parts = urlsplit(resolved)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return resolved


def description_images(description: str | None) -> list[str]:
    """The ``src`` of every ``<img>`` of a description, in order, as written."""
    if not description:
        return []
    return [next(group for group in match.groups() if group is not None) for match in _IMG_SRC.finditer(description)]


def references(product: Product, roles: Collection[str], base: str) -> list[Reference]:
    """The references of ``product`` to media of the kinds ``roles``, in the order of ``ROLES``."""
    found: list[Reference] = []
    offer_id = product.offer_id

    def add(sku_id: int | None, role: str, position: int, url: str | None) -> None:
        resolved = absolute(url, base)
        if resolved is not None:
            found.append(Reference(offer_id, sku_id, role, position, resolved))

    for role in ROLES:
        if role not in roles:
            continue
        if role == MAIN:
            for position, url in enumerate(product.image_urls):
                add(None, MAIN, position, url)
        elif role == SKU:
            for sku in product.skus:
                for position, attribute in enumerate(sku.attributes):
                    add(sku.sku_id, SKU, position, attribute.image_url)
        elif role == DESCRIPTION:
            for position, url in enumerate(description_images(product.description)):
                add(None, DESCRIPTION, position, url)
        elif role == VIDEO:
            add(None, VIDEO, 0, product.main_video_url)
            add(None, VIDEO, 1, product.detail_video_url)
    return found
