// @vitest-environment node
// Tests of server.mjs against a temporary dist/ folder and a tiny fake backend.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, DEFAULT_PORT } from '../server.mjs';

const SERVER_FILE = fileURLToPath(new URL('../server.mjs', import.meta.url));
const INDEX_HTML = '<!doctype html><html><body><div id="root"></div></body></html>\n';
const ASSET_JS = 'console.log("hashed asset");\n';
const SECRET = 'top secret: must never be served\n';

let tmp;
let distDir;
let backend;
let backendUrl;
/** Requests the fake backend received. */
const received = [];
let frontend;
let base;

function listen(server) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server.address().port));
  });
}

function close(server) {
  return new Promise((resolve) => server.close(() => resolve()));
}

/** A raw HTTP request: unlike fetch, it sends the path exactly as written (no '..' cleanup). */
function raw(port, rawPath, { method = 'GET', headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, method, path: rawPath, headers, agent: false },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString() }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

const get = (rawPath, opts) => raw(frontend.address().port, rawPath, opts);

async function freePort() {
  const s = http.createServer();
  const port = await listen(s);
  await close(s);
  return port;
}

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'frontend-server-test-'));
  distDir = path.join(tmp, 'dist');
  fs.mkdirSync(path.join(distDir, 'assets'), { recursive: true });
  fs.writeFileSync(path.join(distDir, 'index.html'), INDEX_HTML);
  fs.writeFileSync(path.join(distDir, 'assets', 'index-Ab12Cd34.js'), ASSET_JS);
  fs.writeFileSync(path.join(distDir, 'assets', 'index-Ef56Gh78.css'), 'body{margin:0}\n');
  fs.writeFileSync(path.join(distDir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>\n');
  fs.writeFileSync(path.join(distDir, '.env'), 'HIDDEN=1\n');
  fs.writeFileSync(path.join(tmp, 'secret.txt'), SECRET);
  fs.symlinkSync(path.join(tmp, 'secret.txt'), path.join(distDir, 'link.txt'));

  backend = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      received.push({ method: req.method, url: req.url, headers: req.headers, body });
      if (req.method === 'POST' && req.url === '/api/items') {
        const { title } = JSON.parse(body);
        res.writeHead(201, { 'Content-Type': 'application/json', 'X-Backend': 'fake' });
        res.end(JSON.stringify({ id: 7, title, done: false }));
      } else if (req.method === 'DELETE' && req.url === '/api/items/7') {
        res.writeHead(204);
        res.end();
      } else if (req.url === '/api/items/999') {
        res.writeHead(404, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ error: 'no item with id 999' }));
      } else if (req.url.startsWith('/api/echo')) {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ method: req.method, url: req.url, length: body.length }));
      } else {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify([]));
      }
    });
  });
  backendUrl = `http://127.0.0.1:${await listen(backend)}`;

  frontend = createServer({ distDir, backendUrl, log: () => {} });
  const port = await listen(frontend);
  base = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  if (frontend) await frontend.shutdown(1000);
  if (backend) {
    backend.closeAllConnections();
    await close(backend);
  }
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe('server.mjs static files', () => {
  it('keeps a visible default port', () => {
    expect(DEFAULT_PORT).toBe(3000);
    expect(fs.readFileSync(SERVER_FILE, 'utf8')).toContain('const DEFAULT_PORT = 3000');
  });

  it('serves index.html at / with an HTML type and no-cache', async () => {
    const res = await fetch(`${base}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(await res.text()).toBe(INDEX_HTML);
  });

  it('serves hashed assets with their type and a long immutable cache', async () => {
    const js = await fetch(`${base}/assets/index-Ab12Cd34.js`);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(js.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(js.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await js.text()).toBe(ASSET_JS);

    const css = await fetch(`${base}/assets/index-Ef56Gh78.css`);
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
    await css.arrayBuffer();

    const again = await fetch(`${base}/assets/index-Ab12Cd34.js`, {
      headers: { 'If-None-Match': js.headers.get('etag') },
    });
    expect(again.status).toBe(304);
  });

  it('answers HEAD with headers only, and other files revalidate', async () => {
    const res = await get('/favicon.svg', { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('image/svg+xml');
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(Number(res.headers['content-length'])).toBeGreaterThan(0);
    expect(res.body).toBe('');
  });

  it('falls back to index.html for app routes, but 404s missing assets', async () => {
    for (const route of ['/items', '/items/42', '/some/deep/route?x=1']) {
      const res = await fetch(`${base}${route}`);
      expect(res.status, route).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(await res.text()).toBe(INDEX_HTML);
    }
    for (const missing of ['/missing.js', '/assets/index-Zz99.js', '/assets/']) {
      const res = await fetch(`${base}${missing}`);
      expect(res.status, missing).toBe(404);
      await res.text();
    }
  });

  it('rejects path traversal and never serves files outside dist/', async () => {
    const attempts = [
      '/../secret.txt',
      '/assets/../../secret.txt',
      '/%2e%2e/secret.txt',
      '/%2E%2E%2Fsecret.txt',
      '/assets/..%2f..%2fsecret.txt',
      '/..%5csecret.txt',
      '/assets/%2e%2e/%2e%2e/secret.txt',
      '/....//secret.txt',
      '/api/../../secret.txt',
      '/link.txt',
      '/%00/etc/passwd',
      '/%E0%A4%A',
      '/.env',
    ];
    for (const attempt of attempts) {
      const res = await get(attempt, { headers: { Accept: '*/*' } });
      expect(res.body, attempt).not.toContain('top secret');
      expect(res.body, attempt).not.toContain('HIDDEN');
      expect([400, 403, 404], `${attempt} -> ${res.status}`).toContain(res.status);
    }
    // The plain '..' forms are refused outright rather than falling back to index.html.
    expect((await get('/../secret.txt')).status).toBe(403);
    expect((await get('/%2e%2e/secret.txt')).status).toBe(403);
  });

  it('refuses methods other than GET and HEAD outside /api', async () => {
    const res = await get('/', { method: 'POST', body: 'x' });
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('GET, HEAD');
  });

  it('answers /healthz itself', async () => {
    const before = received.length;
    const res = await fetch(`${base}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
    expect(received.length).toBe(before);
  });
});

describe('server.mjs /api proxy', () => {
  it('passes method, path, headers and body to the backend, and status, headers and body back', async () => {
    const res = await fetch(`${base}/api/items`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Request-Id': 'abc-123' },
      body: JSON.stringify({ title: 'Buy milk' }),
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('x-backend')).toBe('fake');
    expect(await res.json()).toEqual({ id: 7, title: 'Buy milk', done: false });

    const seen = received.at(-1);
    expect(seen.method).toBe('POST');
    expect(seen.url).toBe('/api/items');
    expect(JSON.parse(seen.body)).toEqual({ title: 'Buy milk' });
    expect(seen.headers['content-type']).toBe('application/json');
    expect(seen.headers['x-request-id']).toBe('abc-123');
    expect(seen.headers.host).toBe(new URL(backendUrl).host);
    expect(seen.headers['x-forwarded-for']).toBe('127.0.0.1');
  });

  it('forwards PATCH, DELETE (204) and query strings, and passes errors through', async () => {
    const patch = await fetch(`${base}/api/echo/items/7?verbose=1`, {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ done: true }),
    });
    expect(await patch.json()).toEqual({ method: 'PATCH', url: '/api/echo/items/7?verbose=1', length: 13 });

    const del = await fetch(`${base}/api/items/7`, { method: 'DELETE' });
    expect(del.status).toBe(204);
    expect(await del.text()).toBe('');
    expect(received.at(-1).method).toBe('DELETE');

    const missing = await fetch(`${base}/api/items/999`, { method: 'PATCH', body: '{"done":true}' });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: 'no item with id 999' });
  });

  it('streams a large request body intact', async () => {
    const big = 'x'.repeat(3 * 1024 * 1024 + 17);
    const res = await get('/api/echo/upload', {
      method: 'PUT',
      headers: { 'Content-Type': 'text/plain' },
      body: big,
    });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ method: 'PUT', url: '/api/echo/upload', length: big.length });
  });

  it('answers 502 with a JSON error when the backend is unreachable', async () => {
    const deadUrl = `http://127.0.0.1:${await freePort()}`;
    const orphan = createServer({ distDir, backendUrl: deadUrl, log: () => {} });
    const port = await listen(orphan);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/api/items`);
      expect(res.status).toBe(502);
      expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(await res.json()).toEqual({ error: 'backend unavailable' });

      const post = await fetch(`http://127.0.0.1:${port}/api/items`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ title: 'x' }),
      });
      expect(post.status).toBe(502);
      await post.text();

      // The server itself stays healthy.
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    } finally {
      await orphan.shutdown(1000);
    }
  });
});

describe('server.mjs as a process', () => {
  it('reads PORT, HOST, BACKEND_URL and DIST_DIR, and exits 0 on SIGTERM', async () => {
    const child = spawn(process.execPath, [SERVER_FILE], {
      env: { ...process.env, PORT: '0', HOST: '127.0.0.1', BACKEND_URL: backendUrl, DIST_DIR: distDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stderr.on('data', (c) => (out += c));
    const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    try {
      const port = await new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`server did not start: ${out}`)), 10_000);
        child.stdout.on('data', (c) => {
          out += c;
          const m = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
          if (m) {
            clearTimeout(timer);
            resolve(Number(m[1]));
          }
        });
        child.on('exit', () => reject(new Error(`server exited early: ${out}`)));
      });
      expect(out).toContain(`proxying /api to ${backendUrl}`);
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
      const items = await fetch(`http://127.0.0.1:${port}/api/items`);
      expect(items.status).toBe(200);
      await items.text();
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toEqual({ code: 0, signal: null });
  });

  it('refuses to start without a build', async () => {
    const child = spawn(process.execPath, [SERVER_FILE], {
      env: { ...process.env, PORT: '0', HOST: '127.0.0.1', DIST_DIR: path.join(tmp, 'nope') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (c) => (err += c));
    const code = await new Promise((resolve) => child.on('exit', (c) => resolve(c)));
    expect(code).toBe(2);
    expect(err).toContain('run `npm run build` first');
  });
});
