#!/usr/bin/env node
/**
 * Draws the app icon (build/icon.png, 1024×1024): a hub with three agents on a rounded square.
 * Plain Node (zlib), so it needs no image tools; electron-builder makes the .icns and .ico from it.
 * Run: node scripts/make-icon.mjs
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';

const SIZE = 1024;
const SAMPLES = 4; // per axis, for smooth edges

const hub = { x: 512, y: 540, r: 150 };
const agents = [
  { x: 512, y: 230, r: 90 },
  { x: 245, y: 700, r: 90 },
  { x: 779, y: 700, r: 90 },
];

function insideRoundedSquare(x, y) {
  const margin = 64;
  const radius = 200;
  const lo = margin + radius;
  const hi = SIZE - margin - radius;
  const cx = Math.min(Math.max(x, lo), hi);
  const cy = Math.min(Math.max(y, lo), hi);
  return (x - cx) ** 2 + (y - cy) ** 2 <= radius ** 2;
}

function nearSegment(x, y, a, b, width) {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const t = Math.max(0, Math.min(1, ((x - a.x) * dx + (y - a.y) * dy) / (dx * dx + dy * dy)));
  return (x - (a.x + t * dx)) ** 2 + (y - (a.y + t * dy)) ** 2 <= (width / 2) ** 2;
}

const inCircle = (x, y, c) => (x - c.x) ** 2 + (y - c.y) ** 2 <= c.r ** 2;

/** RGBA of one sample point. */
function shade(x, y) {
  if (!insideRoundedSquare(x, y)) return [0, 0, 0, 0];
  if (inCircle(x, y, hub)) return inCircle(x, y, { ...hub, r: hub.r - 38 }) ? [255, 255, 255, 255] : [94, 234, 212, 255];
  if (agents.some((a) => inCircle(x, y, a))) return [94, 234, 212, 255];
  if (agents.some((a) => nearSegment(x, y, hub, a, 44))) return [148, 163, 184, 255];
  // Background: a vertical gradient from slate to deep blue.
  const t = y / SIZE;
  return [Math.round(30 + 2 * t), Math.round(41 - 14 * t), Math.round(59 + 40 * t), 255];
}

const rows = [];
for (let py = 0; py < SIZE; py++) {
  const row = Buffer.alloc(1 + SIZE * 4);
  for (let px = 0; px < SIZE; px++) {
    const sum = [0, 0, 0, 0];
    for (let sy = 0; sy < SAMPLES; sy++) {
      for (let sx = 0; sx < SAMPLES; sx++) {
        const [r, g, b, a] = shade(px + (sx + 0.5) / SAMPLES, py + (sy + 0.5) / SAMPLES);
        sum[0] += r * a;
        sum[1] += g * a;
        sum[2] += b * a;
        sum[3] += a;
      }
    }
    const alpha = sum[3] / (SAMPLES * SAMPLES);
    const o = 1 + px * 4;
    if (sum[3] > 0) {
      row[o] = Math.round(sum[0] / sum[3]);
      row[o + 1] = Math.round(sum[1] / sum[3]);
      row[o + 2] = Math.round(sum[2] / sum[3]);
    }
    row[o + 3] = Math.round(alpha);
  }
  rows.push(row);
}

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buffer) {
  let c = 0xffffffff;
  for (const byte of buffer) c = crcTable[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

const header = Buffer.alloc(13);
header.writeUInt32BE(SIZE, 0);
header.writeUInt32BE(SIZE, 4);
header[8] = 8; // bit depth
header[9] = 6; // RGBA
const png = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  chunk('IHDR', header),
  chunk('IDAT', zlib.deflateSync(Buffer.concat(rows), { level: 9 })),
  chunk('IEND', Buffer.alloc(0)),
]);
const out = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'build', 'icon.png');
fs.writeFileSync(out, png);
console.log(`wrote ${out} (${png.length} bytes)`);
