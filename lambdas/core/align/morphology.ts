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

/** Dilation of the pixels whose inside-ness equals `grown` (the mask itself, or its complement). */
function grow(mask: Uint8Array, width: number, height: number, radius: number, grown: boolean): Uint8Array {
  const r = Math.max(0, Math.floor(radius));
  const out = new Uint8Array(width * height);
  if (r === 0) {
    for (let i = 0; i < out.length; i++) out[i] = (mask[i] !== 0) === grown ? 255 : 0;
    return out;
  }
  // halfWidth[dy] = horizontal reach of a source dy rows away.
  const halfWidth = new Int32Array(r + 1);
  for (let dy = 0; dy <= r; dy++) halfWidth[dy] = Math.round(Math.sqrt(r * r - dy * dy));
  const none = r + 1;
  const source = new Uint8Array(width * height);
  for (let i = 0; i < source.length; i++) source[i] = (mask[i] !== 0) === grown ? 1 : 0;
  // Vertical distance (capped at r + 1) to the nearest source in the same column, per row.
  const dist = new Int32Array(width * height);
  const last = new Int32Array(width).fill(-none * 2);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      if (source[row + x]) last[x] = y;
      const d = y - last[x];
      dist[row + x] = d < none ? d : none;
    }
  }
  last.fill(height + none * 2);
  for (let y = height - 1; y >= 0; y--) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      if (source[row + x]) last[x] = y;
      const d = last[x] - y;
      if (d < dist[row + x]) dist[row + x] = d;
    }
  }
  // Along each row: a pixel is covered when some column within reach covers it.
  for (let y = 0; y < height; y++) {
    const row = y * width;
    let reachRight = -1;
    for (let x = 0; x < width; x++) {
      const d = dist[row + x];
      if (d <= r) {
        const end = x + halfWidth[d];
        if (end > reachRight) reachRight = end;
      }
      if (x <= reachRight) out[row + x] = 255;
    }
    let reachLeft = width;
    for (let x = width - 1; x >= 0; x--) {
      const d = dist[row + x];
      if (d <= r) {
        const start = x - halfWidth[d];
        if (start < reachLeft) reachLeft = start;
      }
      if (x >= reachLeft) out[row + x] = 255;
    }
  }
  return out;
}
