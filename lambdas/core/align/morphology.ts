// Binary morphology with a disc in plain synchronous JavaScript. opencv.js needs ~0.5 s for one 31x31
// elliptical closing of a 1024x1024 frame; this needs ~20 ms at any radius. Dilation by a disc of radius r is
// separable once each pixel knows its vertical distance dy to the nearest mask pixel in its column: that
// column then reaches round(sqrt(r^2 - dy^2)) pixels left and right, which is exactly the row extent of
// OpenCV's MORPH_ELLIPSE kernel of size 2r+1 (so results match cv.morphologyEx pixel for pixel). Erosion is the
// dilation of the complement. Masks are one byte per pixel, nonzero = inside; results are 0 / 255.

/** The mask dilated by the (2r+1)x(2r+1) elliptical kernel, r = floor(radius). */
export function dilateDisc(mask: Uint8Array, width: number, height: number, radius: number): Uint8Array {
  return grow(mask, width, height, radius, true);
}

/** The mask eroded by the (2r+1)x(2r+1) elliptical kernel (beyond the frame counts as inside). */
export function erodeDisc(mask: Uint8Array, width: number, height: number, radius: number): Uint8Array {
  const grownOutside = grow(mask, width, height, radius, false);
  for (let i = 0; i < grownOutside.length; i++) grownOutside[i] = grownOutside[i] ? 0 : 255;
  return grownOutside;
}

export function closeDisc(mask: Uint8Array, width: number, height: number, radius: number): Uint8Array {
  return erodeDisc(dilateDisc(mask, width, height, radius), width, height, radius);
}

export function openDisc(mask: Uint8Array, width: number, height: number, radius: number): Uint8Array {
  return dilateDisc(erodeDisc(mask, width, height, radius), width, height, radius);
}

/**
 * Dilation of the pixels whose inside-ness equals `grown` (the mask itself, or its complement), computed only
 * over the rows and columns where the result can differ from what is known without looking:
 * - growing the mask: nothing farther than r from the mask's box is reached, so the box grown by r suffices;
 * - growing the complement (erosion): every pixel outside the mask's box is complement, hence covered; inside
 *   the box grown by r + 1, the ring around the box holds complement pixels closer to any box pixel than any
 *   complement pixel beyond it, so nothing beyond the grown box changes the result inside the box.
 * On a 1024 px screw frame the box is about a third of the frame.
 */
function grow(mask: Uint8Array, width: number, height: number, radius: number, grown: boolean): Uint8Array {
  const r = Math.max(0, Math.floor(radius));
  const out = new Uint8Array(width * height);
  if (r === 0) {
    for (let i = 0; i < out.length; i++) out[i] = (mask[i] !== 0) === grown ? 255 : 0;
    return out;
  }
  const box = nonzeroBox(mask, width, height);
  if (!box) {
    // No mask pixel: growing it gives nothing, growing its complement gives everything.
    if (!grown) out.fill(255);
    return out;
  }
  const pad = grown ? r : r + 1;
  const x0 = Math.max(0, box.x0 - pad);
  const y0 = Math.max(0, box.y0 - pad);
  const x1 = Math.min(width - 1, box.x1 + pad);
  const y1 = Math.min(height - 1, box.y1 + pad);
  if (!grown) {
    // Outside the mask's box everything is complement, and so covered.
    out.fill(255);
  }
  const cw = x1 - x0 + 1;
  const ch = y1 - y0 + 1;
  // halfWidth[dy] = horizontal reach of a source dy rows away.
  const halfWidth = new Int32Array(r + 1);
  for (let dy = 0; dy <= r; dy++) halfWidth[dy] = Math.round(Math.sqrt(r * r - dy * dy));
  const none = r + 1;
  // Vertical distance (capped at r + 1) to the nearest source in the same column of the region, per row.
  const dist = new Int32Array(cw * ch);
  const last = new Int32Array(cw).fill(-none * 2);
  for (let y = 0; y < ch; y++) {
    const src = (y0 + y) * width + x0;
    const row = y * cw;
    for (let x = 0; x < cw; x++) {
      if ((mask[src + x] !== 0) === grown) last[x] = y;
      const d = y - last[x];
      dist[row + x] = d < none ? d : none;
    }
  }
  last.fill(ch + none * 2);
  for (let y = ch - 1; y >= 0; y--) {
    const src = (y0 + y) * width + x0;
    const row = y * cw;
    for (let x = 0; x < cw; x++) {
      if ((mask[src + x] !== 0) === grown) last[x] = y;
      const d = last[x] - y;
      if (d < dist[row + x]) dist[row + x] = d;
    }
  }
  // Along each row: a pixel is covered when some column within reach covers it.
  for (let y = 0; y < ch; y++) {
    const row = y * cw;
    const dst = (y0 + y) * width + x0;
    out.fill(0, dst, dst + cw);
    let reachRight = -1;
    for (let x = 0; x < cw; x++) {
      const d = dist[row + x];
      if (d <= r) {
        const end = x + halfWidth[d];
        if (end > reachRight) reachRight = end;
      }
      if (x <= reachRight) out[dst + x] = 255;
    }
    let reachLeft = cw;
    for (let x = cw - 1; x >= 0; x--) {
      const d = dist[row + x];
      if (d <= r) {
        const start = x - halfWidth[d];
        if (start < reachLeft) reachLeft = start;
      }
      if (x >= reachLeft) out[dst + x] = 255;
    }
  }
  return out;
}

/** The box of the nonzero pixels, or null when there are none. */
function nonzeroBox(mask: Uint8Array, width: number, height: number): { x0: number; y0: number; x1: number; y1: number } | null {
  let y0 = -1;
  let y1 = -1;
  let x0 = width;
  let x1 = -1;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    let first = -1;
    for (let x = 0; x < width; x++) {
      if (mask[row + x] !== 0) {
        first = x;
        break;
      }
    }
    if (first < 0) continue;
    if (y0 < 0) y0 = y;
    y1 = y;
    if (first < x0) x0 = first;
    for (let x = width - 1; x > x1; x--) {
      if (mask[row + x] !== 0) {
        x1 = x;
        break;
      }
    }
  }
  return y0 < 0 ? null : { x0, y0, x1, y1 };
}
