"""Draw the app's icons (favicon.ico, PNGs for the web app manifest) into coop/static/icons/.

Run once when the design changes: ``.venv/bin/python scripts/make_icons.py``; the output is committed.
The SVG favicon (coop/static/icons/favicon.svg) is hand-written; these raster icons match it: a white
"K" on the cooperative's green, with a rupiah coin.
"""
from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

OUT = Path(__file__).resolve().parents[1] / "coop" / "static" / "icons"
GREEN = (20, 108, 67, 255)  # #146c43, Bootstrap's green-600: 6.4:1 against white
GOLD = (255, 193, 7, 255)


def draw(size: int, maskable: bool = False) -> Image.Image:
    img = Image.new("RGBA", (size, size), GREEN if maskable else (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    if not maskable:
        d.rounded_rectangle([0, 0, size - 1, size - 1], radius=size // 6, fill=GREEN)
    font = ImageFont.load_default(size=int(size * (0.56 if maskable else 0.72)))
    d.text((size * 0.46, size * 0.5), "K", fill="white", font=font, anchor="mm")
    r = size * (0.10 if maskable else 0.13)
    cx, cy = size * (0.74 if maskable else 0.78), size * (0.74 if maskable else 0.78)
    d.ellipse([cx - r, cy - r, cx + r, cy + r], fill=GOLD)
    return img


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for size in (192, 512):
        draw(size).save(OUT / f"icon-{size}.png", optimize=True)
    draw(512, maskable=True).save(OUT / "icon-maskable-512.png", optimize=True)
    draw(180, maskable=True).convert("RGB").save(OUT / "apple-touch-icon.png", optimize=True)
    draw(256).save(OUT / "favicon.ico", sizes=[(16, 16), (32, 32), (48, 48)])


if __name__ == "__main__":
    main()
