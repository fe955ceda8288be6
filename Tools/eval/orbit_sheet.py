#!/usr/bin/env python3
"""A contact sheet of a generated views folder for the docs: the prepared input (input.png), then the
0-degree ring every 45 degrees (views 16, 18, ..., 30) and the 30-degree ring every 90 degrees
(views 64, 68, 72, 76), in one row, composited on white.

  python3 Tools/eval/orbit_sheet.py VIEWS_FOLDER OUT.png
"""
import os
import sys

from PIL import Image

views, out = sys.argv[1], sys.argv[2]
names = ["input.png"] + [f"{v:03d}.png" for v in list(range(16, 32, 2)) + [64, 68, 72, 76]]
tiles = []
for name in names:
    image = Image.open(os.path.join(views, name)).convert("RGBA")
    white = Image.new("RGBA", image.size, (255, 255, 255, 255))
    tiles.append(Image.alpha_composite(white, image).convert("RGB"))
side = tiles[1].size[1]
tiles = [t.resize((side, side)) for t in tiles]
sheet = Image.new("RGB", (side * len(tiles) + 2 * (len(tiles) - 1), side), (255, 255, 255))
for i, t in enumerate(tiles):
    sheet.paste(t, (i * (side + 2), 0))
sheet.save(out)
print(out)
