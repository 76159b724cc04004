"""Draws the application icon (two sheets on navy, the front one checked: a second reading) at the
hicolor sizes into resources/icons, plus secondo.ico (Windows) and secondo.icns (macOS).
Run again only when the design changes: the outputs are kept in the repository."""

from pathlib import Path

from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "resources" / "icons"
SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
NAVY, WHITE, ACCENT = (31, 58, 95, 255), (255, 255, 255, 255), (120, 190, 235, 255)


def draw(size: int) -> Image.Image:
    scale = 4  # drawn large, then reduced: smooth edges at every size
    big = size * scale
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)
    margin = big // 16
    pen.rounded_rectangle((margin, margin, big - margin, big - margin), radius=big // 5, fill=NAVY)
    # Two sheets, the second one in front with a check mark: a second reading of a dossier.
    r = big // 28
    pen.rounded_rectangle((big * 0.22, big * 0.17, big * 0.62, big * 0.70), radius=r, fill=ACCENT)
    pen.rounded_rectangle((big * 0.36, big * 0.28, big * 0.78, big * 0.83), radius=r, fill=WHITE)
    line = max(1, int(big * 0.035))
    for n in range(3):
        y = big * (0.38 + 0.07 * n)
        pen.line((big * 0.43, y, big * 0.71, y), fill=NAVY, width=line)
    pen.line((big * 0.45, big * 0.66, big * 0.53, big * 0.74, big * 0.70, big * 0.56), fill=(46, 160, 67, 255),
             width=max(1, int(big * 0.06)), joint="curve")
    return image.resize((size, size), Image.LANCZOS)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    images = {size: draw(size) for size in SIZES}
    for size, image in images.items():
        image.save(OUT / f"secondo-{size}.png", optimize=True)
    images[256].save(OUT / "secondo.ico", sizes=[(s, s) for s in (16, 24, 32, 48, 64, 128, 256)])
    images[512].save(OUT / "secondo.icns")


if __name__ == "__main__":
    main()
