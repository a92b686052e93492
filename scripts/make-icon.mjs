// Draws build/icon.png (512x512, RGBA): a volume (a stacked-disk cylinder) with a green top on a
// navy rounded square. No image libraries: shapes are signed-distance functions, anti-aliased by
// coverage, and the PNG is written by hand with zlib. Run: node scripts/make-icon.mjs
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';

const SIZE = 512;
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, 'build', 'icon.png');

const hex = (h) => [parseInt(h.slice(1, 3), 16), parseInt(h.slice(3, 5), 16), parseInt(h.slice(5, 7), 16)];
const mix = (a, b, t) => a.map((v, i) => v + (b[i] - v) * t);
const coverage = (d) => Math.min(1, Math.max(0, 0.5 - d));

function roundedBox(x, y, cx, cy, hw, hh, r) {
  const qx = Math.abs(x - cx) - hw + r;
  const qy = Math.abs(y - cy) - hh + r;
  return Math.hypot(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0) - r;
}

/** Approximate distance to an ellipse: its implicit function over the gradient's length. */
function ellipse(x, y, cx, cy, rx, ry) {
  const dx = x - cx;
  const dy = y - cy;
  const f = (dx * dx) / (rx * rx) + (dy * dy) / (ry * ry) - 1;
  const g = Math.hypot((2 * dx) / (rx * rx), (2 * dy) / (ry * ry)) || 1e-6;
  return f / g;
}

const TOP = hex('#1a4d7a');
const BOTTOM = hex('#0b2540');
const BODY = hex('#f3f7fa');
const LID = hex('#3ddc97');
const LINE = hex('#1a4d7a');

const CX = 256;
const RX = 124;
const RY = 38;
const Y_TOP = 150;
const Y_BOTTOM = 362;
const BANDS = [Y_TOP + (Y_BOTTOM - Y_TOP) / 3, Y_TOP + (2 * (Y_BOTTOM - Y_TOP)) / 3];

function pixel(x, y) {
  let rgb = [0, 0, 0];
  let a = 0;
  const over = (color, alpha) => {
    if (alpha <= 0) return;
    const outA = alpha + a * (1 - alpha);
    rgb = rgb.map((v, i) => (color[i] * alpha + v * a * (1 - alpha)) / outA);
    a = outA;
  };
  over(mix(TOP, BOTTOM, y / SIZE), coverage(roundedBox(x, y, 256, 256, 224, 224, 100)));
  const body = Math.min(Math.max(Math.abs(x - CX) - RX, Y_TOP - y, y - Y_BOTTOM), ellipse(x, y, CX, Y_BOTTOM, RX, RY), ellipse(x, y, CX, Y_TOP, RX, RY));
  over(BODY, coverage(body));
  for (const band of BANDS) {
    if (y >= band) over(LINE, coverage(Math.abs(ellipse(x, y, CX, band, RX, RY)) - 5) * coverage(body));
  }
  over(LID, coverage(ellipse(x, y, CX, Y_TOP, RX - 14, RY - 8)));
  return [...rgb.map((v) => Math.round(v)), Math.round(a * 255)];
}

// 4x4 supersampling on top of the analytic coverage keeps the thin band edges smooth.
const SS = 4;
const raw = Buffer.alloc((SIZE * 4 + 1) * SIZE);
for (let y = 0; y < SIZE; y++) {
  const row = y * (SIZE * 4 + 1);
  raw[row] = 0;
  for (let x = 0; x < SIZE; x++) {
    const acc = [0, 0, 0, 0];
    for (let sy = 0; sy < SS; sy++) {
      for (let sx = 0; sx < SS; sx++) {
        const p = pixel(x + (sx + 0.5) / SS, y + (sy + 0.5) / SS);
        acc[0] += p[0] * p[3];
        acc[1] += p[1] * p[3];
        acc[2] += p[2] * p[3];
        acc[3] += p[3];
      }
    }
    const o = row + 1 + x * 4;
    const alpha = acc[3] / (SS * SS);
    for (let i = 0; i < 3; i++) raw[o + i] = acc[3] ? Math.round(acc[i] / acc[3]) : 0;
    raw[o + 3] = Math.round(alpha);
  }
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

const ihdr = Buffer.alloc(13);
ihdr.writeUInt32BE(SIZE, 0);
ihdr.writeUInt32BE(SIZE, 4);
ihdr[8] = 8; // bit depth
ihdr[9] = 6; // RGBA
const png = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  chunk('IHDR', ihdr),
  chunk('IDAT', zlib.deflateSync(raw, { level: 9 })),
  chunk('IEND', Buffer.alloc(0)),
]);
fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(out, png);
console.log(`make-icon: wrote ${path.relative(root, out)} (${SIZE}x${SIZE}, ${png.length} bytes)`);
