// The Firefox suite's harness (the counterpart of ../conftest.py): a live `nucleus serve` on free
// loopback ports with a temporary data directory, the API as the official client calls it, PNGs
// made and read without an imaging library, and Firefox ESR (/usr/bin/firefox-esr) driven by
// puppeteer-core over WebDriver BiDi: no geckodriver, no browser download.
//
// Environment: NUCLEUS_BIN (the server binary), NUCLEUS_FIREFOX (default /usr/bin/firefox-esr),
// NUCLEUS_NODE_MODULES (the node_modules holding puppeteer-core; default: this folder's, as
// `npm ci` here makes it; ctest installs it into the build tree, see setup.sh).
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';

const here = path.dirname(fileURLToPath(import.meta.url));
const modules = process.env.NUCLEUS_NODE_MODULES || path.join(here, 'node_modules');
const puppeteer = createRequire(path.join(modules, 'index.js'))('puppeteer-core');

export const NUCLEUS_BIN = process.env.NUCLEUS_BIN || path.join(here, '../../../build/nucleus');
const FIREFOX = process.env.NUCLEUS_FIREFOX || '/usr/bin/firefox-esr';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function createKey(dataDir, name) {
  const out = execFileSync(NUCLEUS_BIN, ['keys', 'create', '--data', dataDir, '--name', name],
                           { encoding: 'utf8' });
  return out.trim().split('\n').pop();
}

// `nucleus serve` with its API on a free port and its dashboard on another (read from the
// "dashboard at" line it prints).
export class Server {
  static async start() {
    const s = new Server();
    s.dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nucleus-ffdash-'));
    s.keys = [createKey(s.dataDir, 'first'), createKey(s.dataDir, 'second')];
    s.logPath = path.join(s.dataDir, 'server.log');
    const log = fs.openSync(s.logPath, 'a');
    s.proc = spawn(NUCLEUS_BIN, ['serve', '--data', s.dataDir, '--listen', '127.0.0.1:0',
                                 '--dashboard', '127.0.0.1:0', '--quiet'],
                   { stdio: ['ignore', log, log] });
    s.exit = new Promise((resolve) => s.proc.on('exit', (code, signal) => resolve({ code, signal })));
    const deadline = Date.now() + 20000;
    while (Date.now() < deadline) {
      const text = fs.readFileSync(s.logPath, 'utf8');
      const site = text.match(/dashboard at (http:\/\/[\d.:]+)\//);
      const api = text.match(/serving (http:\/\/[\d.:]+)\/v1\/nucleus/);
      if (site && api) {
        s.url = site[1];
        s.apiUrl = api[1];
        return s;
      }
      if (s.proc.exitCode !== null) throw new Error('server exited: ' + text);
      await sleep(50);
    }
    throw new Error('server did not start');
  }

  // Stops the server (SIGTERM: it finishes in-flight requests) and returns its exit code.
  async stop() {
    this.proc.kill('SIGTERM');
    const { code } = await this.exit;
    fs.rmSync(this.dataDir, { recursive: true, force: true });
    return code;
  }
}

// The API as the official client calls it (Basic auth with the key), on `base` (the dashboard's
// port serves it too).
export class Api {
  constructor(base, key) {
    this.base = base + '/v1/nucleus';
    this.auth = { Authorization: 'Basic ' + Buffer.from(key + ':').toString('base64') };
  }

  async request(method, route, body, headers = {}) {
    const res = await fetch(`${this.base}/${route}`, { method, body, headers: { ...this.auth, ...headers } });
    const text = await res.text();
    return { status: res.status, text, json: () => JSON.parse(text) };
  }

  async ok(method, route, body, headers) {
    const r = await this.request(method, route, body, headers);
    if (r.status !== 200) throw new Error(`${method} ${route}: ${r.status} ${r.text}`);
    return r.json();
  }

  get(route) { return this.ok('GET', route); }
  post(route, payload = null) {
    return this.ok('POST', route, JSON.stringify(payload), { 'Content-Type': 'application/json' });
  }

  // A multipart/form-data POST of `parts`: {name, filename?, type, data (string or Buffer)}.
  postParts(route, parts) {
    const boundary = 'nucleus-firefox-' + Math.random().toString(16).slice(2);
    const chunks = [];
    for (const p of parts) {
      const file = p.filename === undefined ? '' : `; filename="${p.filename}"`;
      chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"${file}\r\n` +
                              `Content-Type: ${p.type}\r\n\r\n`),
                  Buffer.from(p.data), Buffer.from('\r\n'));
    }
    chunks.push(Buffer.from(`--${boundary}--\r\n`));
    return this.ok('POST', route, Buffer.concat(chunks),
                   { 'Content-Type': `multipart/form-data; boundary=${boundary}` });
  }
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 255] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

// A PNG of one colour (8-bit RGB); `rect` [x, y, w, h, rgb] is filled with another.
export function png(width, height, rgb, rect = null) {
  const rows = [];
  for (let y = 0; y < height; y++) {
    const row = Buffer.alloc(1 + 3 * width);
    for (let x = 0; x < width; x++) {
      const inRect = rect && rect[0] <= x && x < rect[0] + rect[2] && rect[1] <= y && y < rect[1] + rect[3];
      Buffer.from(inRect ? rect[4] : rgb).copy(row, 1 + 3 * x);
    }
    rows.push(row);
  }
  const chunk = (kind, data) => {
    const head = Buffer.alloc(4);
    head.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(kind), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([head, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr),
                        chunk('IDAT', zlib.deflateSync(Buffer.concat(rows))), chunk('IEND', Buffer.alloc(0))]);
}

// {width, height, px(x, y) -> [r, g, b]} of an 8-bit RGB or RGBA, non-interlaced PNG (what
// Firefox's screenshots are).
export function decodePng(data) {
  if (data.readUInt32BE(0) !== 0x89504e47) throw new Error('not a PNG');
  let pos = 8, width = 0, height = 0, bpp = 0;
  const idat = [];
  while (pos < data.length) {
    const n = data.readUInt32BE(pos);
    const kind = data.toString('latin1', pos + 4, pos + 8);
    const body = data.subarray(pos + 8, pos + 8 + n);
    if (kind === 'IHDR') {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      if (body[8] !== 8 || (body[9] !== 2 && body[9] !== 6) || body[12] !== 0) {
        throw new Error('unexpected PNG format');
      }
      bpp = body[9] === 2 ? 3 : 4;
    } else if (kind === 'IDAT') {
      idat.push(body);
    }
    pos += 12 + n;
  }
  const raw = zlib.inflateSync(Buffer.concat(idat));
  const stride = width * bpp;
  const rows = [];
  let prev = Buffer.alloc(stride);
  for (let y = 0; y < height; y++) {
    const f = raw[y * (stride + 1)];
    const line = Buffer.from(raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1)));
    for (let i = 0; i < stride; i++) {
      const a = i >= bpp ? line[i - bpp] : 0, b = prev[i], c = i >= bpp ? prev[i - bpp] : 0;
      let add = 0;
      if (f === 1) add = a;
      else if (f === 2) add = b;
      else if (f === 3) add = (a + b) >> 1;
      else if (f === 4) {
        const p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
        add = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      line[i] = (line[i] + add) & 255;
    }
    rows.push(line);
    prev = line;
  }
  return { width, height, px: (x, y) => [...rows[y].subarray(x * bpp, x * bpp + 3)] };
}

export function launchFirefox() {
  return puppeteer.launch({
    browser: 'firefox', executablePath: FIREFOX, headless: true,
    defaultViewport: { width: 1280, height: 900, deviceScaleFactor: 1 },
    // No update checks, telemetry or remote settings: the machine's network is closed to them.
    extraPrefsFirefox: { 'app.update.enabled': false, 'network.captive-portal-service.enabled': false,
                         'network.connectivity-service.enabled': false },
  });
}

// One signed-out browser session (its own context: its own sessionStorage) on the dashboard.
// check() fails on console errors, uncaught exceptions, failed requests and answers >= 400 not
// matching one of `allowed` (regexes), the same the Chromium suite fails on (Chromium logs an
// answer >= 400 as a SEVERE "status of N"; Firefox's console does not, so they are watched here).
export class Tab {
  static async open(browser, url) {
    const t = new Tab();
    t.url = url;
    t.context = await browser.createBrowserContext();
    t.page = await t.context.newPage();
    t.page.setDefaultTimeout(15000);
    t.problems = [];
    t.page.on('console', (m) => { if (m.type() === 'error') t.problems.push('console: ' + m.text()); });
    t.page.on('pageerror', (e) => t.problems.push('uncaught: ' + (e.message || e)));
    t.page.on('requestfailed', (r) => t.problems.push(`failed request ${r.url()}: ${r.failure()?.errorText}`));
    t.page.on('response', (r) => {
      if (r.status() >= 400) t.problems.push(`${r.request().method()} ${r.url()}: status of ${r.status()}`);
    });
    return t;
  }

  async goto(hash = '') {
    await this.page.goto(this.url + '/' + hash);
  }

  async go(hash) {
    await this.page.evaluate((h) => { location.hash = h; }, hash);
  }

  async signIn(key) {
    await this.goto('#/signin');
    await this.page.waitForSelector('#api-key');
    await this.page.type('#api-key', key);
    await this.page.click('#signin button');
  }

  waitFor(css, timeout = 15000) {
    return this.page.waitForSelector(css, { timeout });
  }

  // Waits until fn(document) (run in the page; `arg` passed) returns a true value.
  until(fn, arg, timeout = 15000) {
    return this.page.waitForFunction(fn, { timeout, polling: 50 }, arg);
  }

  // The rendered text of the first element matching `css` (like Selenium's .text).
  async text(css) {
    await this.waitFor(css);
    return this.page.$eval(css, (e) => e.innerText.trim());
  }

  // The rendered text of each cell of each body row of the table matching `css`.
  async cells(css) {
    await this.waitFor(css);
    return this.page.$eval(css, (t) => [...t.querySelectorAll('tbody tr')].map(
      (r) => [...r.querySelectorAll('td')].map((c) => c.innerText)));
  }

  check(allowed = []) {
    const bad = this.problems.filter((p) => !allowed.some((a) => a.test(p)));
    if (bad.length) throw new Error('browser problems:\n' + bad.join('\n'));
  }

  async close() {
    await this.context.close();
  }
}
