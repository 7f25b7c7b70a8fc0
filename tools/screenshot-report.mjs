#!/usr/bin/env node
/**
 * Renders the demo run's report.html with headless Chromium to a PNG: proof that the page renders
 * (chart, error table, timeline) in a real browser, and the screenshot in the README.
 *
 *   npm run build && node tools/screenshot-report.mjs [out.png] [--report <report.html>] [--window-size W,H]
 *
 * Without --report it first runs the demo import
 * (`import samples/contacts.csv --sandbox --default-country US --no-state`) into a temporary report
 * folder. The PNG goes to `out.png` (default docs/report-screenshot.png); when `pngquant` is
 * installed it is quantised to about a third of its size (README-friendly, still crisp). Needs
 * Chromium (Debian: `apt-get install chromium`; or set CHROMIUM to its path). Exits 2 when it is
 * missing, 1 when the run or the render fails.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, mkdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DEFAULT_OUT = path.join(ROOT, 'docs', 'report-screenshot.png');
/** The page is at most 1100 px wide; 1850 px tall shows the demo from the title to the timeline chart. */
const DEFAULT_WINDOW_SIZE = '1100,1850';
/** Chromium on a cold start in a container can take a few seconds; a hung one must not hang CI. */
const RENDER_TIMEOUT_MS = 60_000;
/** A blank or failed render is a few KB at most; a page with charts and tables is far bigger. */
const MIN_PNG_BYTES = 20_000;
const CHROMIUM_NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];

/** The full path of the first of `names` found on PATH. */
function which(names) {
  for (const name of names) {
    const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
    if (found.status === 0 && found.stdout.trim() !== '') return found.stdout.trim();
  }
  return undefined;
}

/** Finds a Chromium binary: $CHROMIUM, then the usual names on PATH. */
export function findChromium() {
  return process.env.CHROMIUM || which(CHROMIUM_NAMES);
}

/** Runs a command, collecting its output; rejects on a non-zero exit or after `timeoutMs`. */
function run(command, args, { timeoutMs = RENDER_TIMEOUT_MS } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve({ stdout, stderr });
      else
        reject(
          new Error(
            `${path.basename(command)} ${signal ? `killed by ${signal}` : `exited ${code}`}\n${stderr.trim()}`,
          ),
        );
    });
  });
}

/** Runs the demo import into `reportDir`; resolves to its report.html. */
async function runDemo(reportDir) {
  const bin = path.join(ROOT, 'bin', 'sakari-sync.js');
  if (!existsSync(path.join(ROOT, 'dist', 'cli', 'main.js'))) {
    throw new Error('dist/ is missing: run `npm run build` first');
  }
  const { stdout } = await run(process.execPath, [
    bin,
    'import',
    'samples/contacts.csv',
    '--sandbox',
    '--default-country',
    'US',
    '--no-state',
    '--quiet',
    '--report-dir',
    reportDir,
  ]);
  const reportPath = stdout.trim().split('\n').at(-1) ?? '';
  const html = path.join(reportPath, 'report.html');
  if (!existsSync(html))
    throw new Error(`the demo run printed ${JSON.stringify(reportPath)}: no report.html there`);
  return html;
}

/**
 * Renders `htmlFile` to `outFile` with headless Chromium (no network: the page is self-contained
 * and the flags switch off every background request Chromium would make on its own).
 */
export async function screenshot(chromium, htmlFile, outFile, profileDir, windowSize = DEFAULT_WINDOW_SIZE) {
  await mkdir(path.dirname(outFile), { recursive: true });
  await run(chromium, [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--hide-scrollbars',
    `--user-data-dir=${profileDir}`,
    `--screenshot=${outFile}`,
    `--window-size=${windowSize}`,
    pathToFileURL(htmlFile).href,
  ]);
  const { size } = await stat(outFile).catch(() => ({ size: 0 }));
  if (size < MIN_PNG_BYTES) throw new Error(`${outFile}: ${size} bytes, the page did not render`);
  return size;
}

async function main(argv) {
  const valueOf = (flag) => {
    const index = argv.indexOf(flag);
    return index >= 0 ? argv[index + 1] : undefined;
  };
  const givenReport = valueOf('--report');
  const windowSize = valueOf('--window-size') ?? DEFAULT_WINDOW_SIZE;
  if (!/^\d+,\d+$/.test(windowSize)) {
    process.stderr.write(`screenshot-report: --window-size expects W,H in pixels, got ${windowSize}\n`);
    return 2;
  }
  const positional = argv.filter((arg, i) => !arg.startsWith('--') && !argv[i - 1]?.startsWith('--'));
  const outFile = path.resolve(positional[0] ?? DEFAULT_OUT);
  const chromium = findChromium();
  if (!chromium) {
    process.stderr.write(
      'screenshot-report: Chromium not found (apt-get install chromium, or set CHROMIUM)\n',
    );
    return 2;
  }
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'sakari-screenshot-'));
  try {
    const html = givenReport ? path.resolve(givenReport) : await runDemo(path.join(tmp, 'reports'));
    let size = await screenshot(chromium, html, outFile, path.join(tmp, 'chromium-profile'), windowSize);
    const pngquant = which(['pngquant']);
    if (pngquant) {
      // pngquant leaves the file as it was when it cannot meet the quality (exit 99): keep that one.
      await run(pngquant, ['--quality=70-90', '--strip', '--force', '--output', outFile, outFile]).catch(
        () => undefined,
      );
      ({ size } = await stat(outFile));
    }
    process.stderr.write(`rendered ${html}\n`);
    process.stdout.write(`${outFile}\n`);
    process.stderr.write(`${Math.round(size / 1024)} KB\n`);
    return 0;
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error) => {
      process.stderr.write(`screenshot-report: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
