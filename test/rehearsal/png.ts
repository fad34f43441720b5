import { inflateSync } from 'node:zlib';

/** A decoded PNG, always expanded to 8-bit RGBA. */
export interface DecodedPng {
  width: number;
  height: number;
  /** width × height × 4 bytes, row-major RGBA. */
  rgba: Uint8Array;
}

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** Channels per colour type (8-bit only): grey, RGB, grey+alpha, RGBA. */
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 4: 2, 6: 4 };

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = p > a ? p - a : a - p;
  const pb = p > b ? p - b : b - p;
  const pc = p > c ? p - c : c - p;
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** Reads IHDR and the concatenated IDAT stream, undoes the row filters. 8-bit, non-interlaced only. */
export function decodePng(file: Buffer): DecodedPng {
  if (file.length < 8 || !file.subarray(0, 8).equals(SIGNATURE)) throw new Error('not a PNG file');
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat: Buffer[] = [];
  for (let pos = 8; pos + 8 <= file.length; ) {
    const length = file.readUInt32BE(pos);
    const type = file.toString('latin1', pos + 4, pos + 8);
    const data = file.subarray(pos + 8, pos + 8 + length);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      const bitDepth = data[8]!;
      const colorType = data[9]!;
      const interlace = data[12]!;
      channels = CHANNELS[colorType] ?? 0;
      if (bitDepth !== 8 || !channels || interlace !== 0) {
        throw new Error(`unsupported PNG: bit depth ${bitDepth}, colour type ${colorType}, interlace ${interlace}`);
      }
    } else if (type === 'IDAT') {
      idat.push(data);
    } else if (type === 'IEND') {
      break;
    }
    pos += 12 + length;
  }
  if (!width || !height) throw new Error('PNG without IHDR');

  // Plain typed arrays: indexing a Buffer is much slower inside jest's sandbox.
  const raw = new Uint8Array(inflateSync(Buffer.concat(idat)));
  const stride = width * channels;
  if (raw.length < height * (stride + 1)) throw new Error('PNG image data is truncated');
  const pixels = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const src = y * (stride + 1) + 1;
    const row = y * stride;
    const prev = row - stride;
    // one loop per filter type keeps the per-byte work branch-free
    if (filter === 0) {
      for (let i = 0; i < stride; i++) pixels[row + i] = raw[src + i]!;
    } else if (filter === 1) {
      for (let i = 0; i < stride; i++) pixels[row + i] = (raw[src + i]! + (i >= channels ? pixels[row + i - channels]! : 0)) & 0xff;
    } else if (filter === 2) {
      for (let i = 0; i < stride; i++) pixels[row + i] = (raw[src + i]! + (y > 0 ? pixels[prev + i]! : 0)) & 0xff;
    } else if (filter === 3) {
      for (let i = 0; i < stride; i++) {
        const a = i >= channels ? pixels[row + i - channels]! : 0;
        const b = y > 0 ? pixels[prev + i]! : 0;
        pixels[row + i] = (raw[src + i]! + ((a + b) >> 1)) & 0xff;
      }
    } else if (filter === 4) {
      for (let i = 0; i < stride; i++) {
        const a = i >= channels ? pixels[row + i - channels]! : 0;
        const b = y > 0 ? pixels[prev + i]! : 0;
        const c = y > 0 && i >= channels ? pixels[prev + i - channels]! : 0;
        pixels[row + i] = (raw[src + i]! + paeth(a, b, c)) & 0xff;
      }
    } else {
      throw new Error(`unknown PNG filter ${filter} on row ${y}`);
    }
  }

  const rgba = new Uint8Array(width * height * 4);
  for (let p = 0; p < width * height; p++) {
    const s = p * channels;
    const grey = channels <= 2;
    rgba[p * 4] = pixels[s]!;
    rgba[p * 4 + 1] = grey ? pixels[s]! : pixels[s + 1]!;
    rgba[p * 4 + 2] = grey ? pixels[s]! : pixels[s + 2]!;
    rgba[p * 4 + 3] = channels === 4 ? pixels[s + 3]! : channels === 2 ? pixels[s + 1]! : 255;
  }
  return { width, height, rgba };
}

export interface Box {
  x0: number;
  y0: number;
  /** Exclusive. */
  x1: number;
  y1: number;
}

export function hexToRgb(hex: string): [number, number, number] {
  const m = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!m) throw new Error(`not a #rrggbb colour: ${hex}`);
  return [parseInt(m[1]!, 16), parseInt(m[2]!, 16), parseInt(m[3]!, 16)];
}

type Rgb = [number, number, number];

function matchesAny(rgba: Uint8Array, offset: number, colors: readonly Rgb[], tolerance: number): boolean {
  const r = rgba[offset]!;
  const g = rgba[offset + 1]!;
  const b = rgba[offset + 2]!;
  for (let k = 0; k < colors.length; k++) {
    const c = colors[k]!;
    const dr = r - c[0];
    const dg = g - c[1];
    const db = b - c[2];
    if (dr <= tolerance && dr >= -tolerance && dg <= tolerance && dg >= -tolerance && db <= tolerance && db >= -tolerance) return true;
  }
  return false;
}

/** Bounding box of pixels within `tolerance` of any of `colors`, with the match count; null if none. */
export function boxOfColors(png: DecodedPng, colors: Rgb[], tolerance = 2): (Box & { count: number }) | null {
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -1;
  let y1 = -1;
  let count = 0;
  for (let y = 0; y < png.height; y++) {
    for (let x = 0, offset = y * png.width * 4; x < png.width; x++, offset += 4) {
      if (!matchesAny(png.rgba, offset, colors, tolerance)) continue;
      count++;
      if (x < x0) x0 = x;
      if (x >= x1) x1 = x + 1;
      if (y < y0) y0 = y;
      y1 = y + 1;
    }
  }
  return count ? { x0, y0, x1, y1, count } : null;
}

/** Number of pixels in `box` within `tolerance` of `color`. */
export function countColor(png: DecodedPng, box: Box, color: Rgb, tolerance = 2): number {
  let n = 0;
  for (let y = box.y0; y < box.y1; y++) {
    for (let x = box.x0, offset = (y * png.width + x) * 4; x < box.x1; x++, offset += 4) {
      if (matchesAny(png.rgba, offset, [color], tolerance)) n++;
    }
  }
  return n;
}

/** Number of distinct RGB colours in `box`. */
export function distinctColors(png: DecodedPng, box: Box): number {
  const seen = new Set<number>();
  for (let y = box.y0; y < box.y1; y++) {
    for (let x = box.x0; x < box.x1; x++) {
      const p = (y * png.width + x) * 4;
      seen.add((png.rgba[p]! << 16) | (png.rgba[p + 1]! << 8) | png.rgba[p + 2]!);
    }
  }
  return seen.size;
}
