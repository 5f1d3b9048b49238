"""Reading screenshots in the browser itself: Chromium decodes the PNGs (no imaging library needed).

xterm.js draws the console on a canvas, so the page's DOM holds no text to read; the tests judge what the
browser shows from its screenshots instead.
"""

from __future__ import annotations

import base64
from typing import Any

# ink: the share of pixels far from the screen's commonest colour (its background): 0 for a blank
# screen. changed: the share of pixels that differ between two screenshots of the same size.
_MEASURE = """
async ([first, second]) => {
  const load = async (b64) => {
    const image = new Image();
    image.src = "data:image/png;base64," + b64;
    await image.decode();
    const canvas = new OffscreenCanvas(image.width, image.height);
    const context = canvas.getContext("2d");
    context.drawImage(image, 0, 0);
    return context.getImageData(0, 0, image.width, image.height).data;
  };
  const a = await load(first);
  const b = second ? await load(second) : null;
  const counts = new Map();
  for (let i = 0; i < a.length; i += 4) {
    const key = (a[i] << 16) | (a[i + 1] << 8) | a[i + 2];
    counts.set(key, (counts.get(key) || 0) + 1);
  }
  let background = 0, most = 0;
  for (const [key, n] of counts) if (n > most) { most = n; background = key; }
  const far = (r, g, b2, key) =>
    Math.abs(r - (key >> 16)) + Math.abs(g - ((key >> 8) & 255)) + Math.abs(b2 - (key & 255)) > 60;
  let ink = 0, changed = 0;
  for (let i = 0; i < a.length; i += 4) {
    if (far(a[i], a[i + 1], a[i + 2], background)) ink++;
    if (b && far(b[i], b[i + 1], b[i + 2], (a[i] << 16) | (a[i + 1] << 8) | a[i + 2])) changed++;
  }
  const pixels = a.length / 4;
  return {ink: ink / pixels, changed: b ? changed / pixels : 0};
}
"""


def measure(page: Any, first: bytes, second: bytes | None = None) -> dict[str, float]:
    """``ink`` of ``first`` and, with ``second`` (same size), the share of pixels ``changed``."""
    encoded = [base64.b64encode(shot).decode("ascii") if shot else None for shot in (first, second)]
    return page.evaluate(_MEASURE, encoded)
