// Debian's Chromium driven by playwright-core (no browser download), and a static server for
// the bundled Amplify page on its own port, so every call to Tessera is cross-origin (CORS).
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { dirname, extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const pageDir = join(here, '..', 'dist', 'amplify');
export const CHROMIUM = process.env.TESSERA_CHROMIUM || '/usr/bin/chromium';

const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8' };

/** Serves dist/amplify on 127.0.0.1 (an ephemeral port); the page is opened as http://localhost:<port>/. */
export async function servePage() {
  if (!existsSync(join(pageDir, 'page.js'))) {
    throw new Error(`${pageDir}/page.js is missing: bundle it first (node build.mjs, done by run.sh)`);
  }
  const server = createServer(async (req, res) => {
    const path = normalize(new URL(req.url, 'http://x').pathname).replace(/^\/+/, '') || 'index.html';
    if (path.includes('..')) return res.writeHead(400).end();
    try {
      const body = await readFile(join(pageDir, path));
      res.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
      res.end(body);
    } catch {
      res.writeHead(404).end('not found');
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://localhost:${server.address().port}`;
  return { origin, close: () => new Promise((resolve) => server.close(resolve)) };
}

export async function launch() {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium); run.sh does it as root`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/**
 * Opens the page in a fresh context (its own storage and cookies) with `query` in the URL and
 * records what a failure message needs: console errors and warnings, page errors, and every
 * call to Tessera (X-Amz-Target, status, error type) plus requests that failed (CORS…).
 */
export async function openPage(browser, origin, query, tesseraUrl) {
  const context = await browser.newContext();
  const page = await context.newPage();
  // console: errors and warnings, for failure messages; errors: console errors and uncaught ones.
  const log = { console: [], errors: [], calls: [], failed: [] };
  page.on('console', (msg) => {
    if (!['error', 'warning'].includes(msg.type())) return;
    log.console.push(`${msg.type()}: ${msg.text()}`);
    if (msg.type() === 'error') log.errors.push(msg.text());
  });
  page.on('pageerror', (err) => {
    log.console.push(`pageerror: ${err.message}`);
    log.errors.push(err.message);
  });
  page.on('requestfailed', (req) => {
    log.failed.push(`${req.method()} ${req.url()} ${req.headers()['x-amz-target'] ?? ''}: ${req.failure()?.errorText}`);
  });
  page.on('response', async (res) => {
    const req = res.request();
    if (!req.url().startsWith(tesseraUrl)) return;
    const target = req.headers()['x-amz-target'];
    if (req.method() === 'OPTIONS' || !target) return;
    const entry = { op: target.split('.').pop(), status: res.status() };
    log.calls.push(entry);
    if (res.status() >= 300) {
      try {
        const body = JSON.parse(await res.text());
        entry.error = `${body.__type}: ${body.message}`;
      } catch {
        entry.error = '(no JSON body)';
      }
    }
  });
  const url = `${origin}/?${new URLSearchParams(query)}`;
  await page.goto(url, { waitUntil: 'load' });
  await page.waitForFunction(() => window.tessera !== undefined, null, { timeout: 10_000 });
  const describe = () =>
    [
      `page: ${url}`,
      `calls to Tessera: ${log.calls.map((c) => `${c.op} ${c.status}${c.error ? ` (${c.error})` : ''}`).join(', ') || 'none'}`,
      `failed requests: ${log.failed.join('; ') || 'none'}`,
      `browser console: ${log.console.join(' | ') || 'nothing'}`,
    ].join('\n');
  return { context, page, log, describe };
}

/** page.evaluate(window.tessera[fn](arg)) whose failure message carries the page's log. */
export async function call(opened, fn, arg) {
  try {
    return await opened.page.evaluate(([f, a]) => window.tessera[f](a), [fn, arg]);
  } catch (err) {
    const e = new Error(`${fn} in the browser: ${err.message.split('\n')[0]}\n${opened.describe()}`);
    throw e;
  }
}
