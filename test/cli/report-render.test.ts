/**
 * report.html rendered by a real browser (issue 6 part 2): tools/screenshot-report.mjs runs the
 * demo import and screenshots its report with headless Chromium; the PNG must show the outcome
 * chart (its bar colours are counted in the pixels) and Chromium's DOM must hold the error table.
 *
 * Chromium is not installed in CI: without it this suite is skipped, and says so in its title.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { inflateSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { ROOT, reportPathOf, runCli, tempDir } from '../helpers.js';

function findChromium(): string | undefined {
  if (process.env.CHROMIUM) return process.env.CHROMIUM;
  for (const name of ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable']) {
    const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
    if (found.status === 0 && found.stdout.trim() !== '') return found.stdout.trim();
  }
  return undefined;
}

const CHROMIUM = findChromium();
const SKIP_NOTE = CHROMIUM
  ? ''
  : ' (SKIPPED: Chromium not installed; apt-get install chromium, or set CHROMIUM)';
if (!CHROMIUM) console.warn(`test/cli/report-render.test.ts${SKIP_NOTE}`);
/** Chromium's cold start in a container plus the demo run. */
const RENDER_TIMEOUT_MS = 90_000;

/** Runs a command to completion, collecting its output. */
function exec(
  command: string,
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

interface Image {
  width: number;
  height: number;
  /** RGB of pixel (x, y). */
  rgb(x: number, y: number): [number, number, number];
}

/** A minimal PNG decoder: 8-bit truecolour, truecolour + alpha or palette, not interlaced. */
function decodePng(png: Buffer): Image {
  expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
  let offset = 8;
  let width = 0;
  let height = 0;
  let colourType = 0;
  let palette = Buffer.alloc(0);
  const data: Buffer[] = [];
  while (offset < png.length) {
    const length = png.readUInt32BE(offset);
    const type = png.toString('ascii', offset + 4, offset + 8);
    const body = png.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      if (body[8] !== 8 || body[12] !== 0)
        throw new Error(`unsupported PNG: bit depth ${body[8]}, interlace ${body[12]}`);
      colourType = body[9] ?? 0;
    } else if (type === 'PLTE') palette = Buffer.from(body);
    else if (type === 'IDAT') data.push(body);
    offset += 12 + length;
  }
  const channels = ({ 2: 3, 3: 1, 6: 4 } as Record<number, number>)[colourType];
  if (channels === undefined) throw new Error(`unsupported PNG colour type ${colourType}`);
  const raw = inflateSync(Buffer.concat(data));
  const stride = width * channels;
  const pixels = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    for (let i = 0; i < stride; i++) {
      const byte = raw[y * (stride + 1) + 1 + i] ?? 0;
      const left = i >= channels ? (pixels[y * stride + i - channels] ?? 0) : 0;
      const up = y > 0 ? (pixels[(y - 1) * stride + i] ?? 0) : 0;
      const upLeft = y > 0 && i >= channels ? (pixels[(y - 1) * stride + i - channels] ?? 0) : 0;
      let predictor = 0;
      if (filter === 1) predictor = left;
      else if (filter === 2) predictor = up;
      else if (filter === 3) predictor = (left + up) >> 1;
      else if (filter === 4) {
        const p = left + up - upLeft;
        const [pa, pb, pc] = [Math.abs(p - left), Math.abs(p - up), Math.abs(p - upLeft)];
        predictor = pa <= pb && pa <= pc ? left : pb <= pc ? up : upLeft;
      }
      pixels[y * stride + i] = (byte + predictor) & 0xff;
    }
  }
  return {
    width,
    height,
    rgb(x, y) {
      const at = y * stride + x * channels;
      if (channels === 1) {
        const index = (pixels[at] ?? 0) * 3;
        return [palette[index] ?? 0, palette[index + 1] ?? 0, palette[index + 2] ?? 0];
      }
      return [pixels[at] ?? 0, pixels[at + 1] ?? 0, pixels[at + 2] ?? 0];
    },
  };
}

/** Pixels within `tolerance` of a colour (`#rrggbb`) per channel. */
function countColour(image: Image, hex: string, tolerance = 16): number {
  const target = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  let count = 0;
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) {
      const pixel = image.rgb(x, y);
      if (pixel.every((value, i) => Math.abs(value - (target[i] ?? 0)) <= tolerance)) count++;
    }
  }
  return count;
}

describe.skipIf(!CHROMIUM)(`report.html in headless Chromium${SKIP_NOTE}`, () => {
  let dir: string;
  let cleanup: () => Promise<void>;

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir('sakari-render-'));
  });
  afterEach(async () => {
    await cleanup();
  });

  test(
    'the demo report renders with its outcome chart and its error table',
    async () => {
      const run = await runCli([
        'import',
        'samples/contacts.csv',
        '--sandbox',
        '--default-country',
        'US',
        '--no-state',
        '--quiet',
        '--report-dir',
        dir,
      ]);
      expect(run.code, run.stderr).toBe(0);
      const html = path.join(reportPathOf(run), 'report.html');

      const out = path.join(dir, 'shot.png');
      const shot = await exec(process.execPath, ['tools/screenshot-report.mjs', out, '--report', html]);
      expect(shot.code, shot.stderr).toBe(0);
      expect(shot.stdout.trim()).toBe(out);
      const image = decodePng(await readFile(out));
      expect([image.width, image.height]).toEqual([1100, 1850]);
      // The outcome bars: created (21 rows, the longest bar) and invalid (8 rows), in their colours.
      const created = countColour(image, '#2e7d32');
      const invalid = countColour(image, '#ad1457');
      expect(created).toBeGreaterThan(5_000);
      expect(invalid).toBeGreaterThan(1_500);
      expect(created / invalid).toBeGreaterThan(1.8);

      // What Chromium built from the page: the chart and the error table with its rows.
      const dom = await exec(CHROMIUM as string, [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        `--user-data-dir=${path.join(dir, 'profile')}`,
        '--dump-dom',
        `file://${html}`,
      ]);
      expect(dom.code, dom.stderr).toBe(0);
      expect(dom.stdout).toContain('aria-label="Row outcomes"');
      expect(dom.stdout).toMatch(/<table class="codes">[\s\S]*PHONE_EXCEL_MANGLED[\s\S]*<\/table>/);
    },
    RENDER_TIMEOUT_MS,
  );
});
