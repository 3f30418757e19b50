"""Every reference of a fetched offer to a picture or video, by role: one future row of ``media`` each."""

from __future__ import annotations

from harvester.items import Product, Sku, SkuAttribute
from harvester.media.references import Reference, description_images, references

BASE = "https://cbu01.alicdn.com/"
SWATCH = "https://cbu01.alicdn.com/img/ibank/red.jpg"


def _product() -> Product:
    red = SkuAttribute("颜色", "红色", SWATCH)

    def sku(sku_id: int | None, *attributes: SkuAttribute) -> Sku:
        return Sku(offer_id=7, sku_id=sku_id, spec_id=None, spec_key="", price=None, attributes=list(attributes))

    return Product(
        offer_id=7,
        image_urls=["https://cbu01.alicdn.com/img/ibank/a.jpg", "img/ibank/b.jpg"],
        description=(
            '<p><img src="https://cbu01.alicdn.com/img/ibank/a.jpg"/></p>'
            "<IMG alt=x SRC=//img.alicdn.com/c.png>"
            "<img src='img/ibank/d.jpg?x=1&amp;y=2'><img src=\"data:image/png;base64,AAAA\">"
        ),
        main_video_url="https://cloud.video.taobao.com/play/1.mp4",
        skus=[sku(11, red, SkuAttribute("尺码", "S")), sku(12, red, SkuAttribute("尺码", "M")), sku(None)],
    )


def test_every_role_in_order_each_reference_once() -> None:
    found = references(_product(), {"main", "sku", "description", "video"}, BASE)
    assert found == [
        Reference(7, None, "main", 0, "https://cbu01.alicdn.com/img/ibank/a.jpg"),
        Reference(7, None, "main", 1, "https://cbu01.alicdn.com/img/ibank/b.jpg"),
        # Every size of the red colour shows the red swatch: one row per SKU, one download.
        Reference(7, 11, "sku", 0, SWATCH),
        Reference(7, 12, "sku", 0, SWATCH),
        Reference(7, None, "description", 0, "https://cbu01.alicdn.com/img/ibank/a.jpg"),
        Reference(7, None, "description", 1, "https://img.alicdn.com/c.png"),
        Reference(7, None, "description", 2, "https://cbu01.alicdn.com/img/ibank/d.jpg?x=1&y=2"),
        Reference(7, None, "video", 0, "https://cloud.video.taobao.com/play/1.mp4"),
    ]


def test_only_the_roles_asked_for() -> None:
    assert {r.role for r in references(_product(), {"sku"}, BASE)} == {"sku"}
    assert references(Product(offer_id=1), {"main", "sku", "description", "video"}, BASE) == []


def test_description_pictures_as_written() -> None:
    assert description_images("<img src=\"a.jpg\"><img\nsrc = 'b.jpg' /><p>img src=c.jpg</p>") == ["a.jpg", "b.jpg"]
    assert description_images(None) == []
