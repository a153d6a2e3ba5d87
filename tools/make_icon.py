"""Draw the application icon (a haloed painted figure with a crack) into
resources/muralstudio.png (256 px), resources/muralstudio.ico (16–256 px, for the installers)
and muralstudio/gui/icons/muralstudio.png (the window icon). Rerun after
changing the drawing; the outputs are committed."""

from pathlib import Path

from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parents[1]


def draw(size: int = 256) -> Image.Image:
    s = size / 256
    img = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    d.rounded_rectangle([8 * s, 8 * s, 248 * s, 248 * s], radius=40 * s, fill=(196, 92, 52, 255))
    d.rounded_rectangle([30 * s, 40 * s, 226 * s, 226 * s], radius=24 * s, fill=(236, 214, 170, 255))
    d.pieslice([62 * s, 52 * s, 194 * s, 184 * s], 180, 360, fill=(46, 110, 120, 255))  # halo
    d.ellipse([106 * s, 78 * s, 150 * s, 122 * s], fill=(222, 160, 120, 255))  # head
    d.polygon([(84 * s, 214 * s), (128 * s, 122 * s), (172 * s, 214 * s)], fill=(150, 40, 36, 255))
    d.line([(40 * s, 150 * s), (80 * s, 140 * s), (96 * s, 168 * s), (140 * s, 160 * s),
            (158 * s, 190 * s), (216 * s, 182 * s)], fill=(60, 40, 30, 255), width=max(1, int(5 * s)))
    return img


if __name__ == "__main__":
    icon = draw(256)
    icon.save(ROOT / "resources" / "muralstudio.png")
    (ROOT / "muralstudio" / "gui" / "icons").mkdir(exist_ok=True)
    icon.save(ROOT / "muralstudio" / "gui" / "icons" / "muralstudio.png")  # the window's icon
    icon.save(ROOT / "resources" / "muralstudio.ico",
              sizes=[(16, 16), (24, 24), (32, 32), (48, 48), (64, 64), (128, 128), (256, 256)])
    print("wrote resources/muralstudio.png and .ico")
