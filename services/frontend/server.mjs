#!/usr/bin/env node
// Production server of the to-do frontend. Zero dependencies: Node's built-in modules only.
//
//   - serves the Vite build in dist/ (SPA fallback to index.html, content types, cache headers)
//   - proxies /api and /api/* to the backend named by BACKEND_URL (method, headers and body
//     streamed both ways), so the page only ever uses relative paths and the same image runs
//     in any namespace
//   - answers /healthz itself
//
// Environment:
//   PORT         port to listen on (default DEFAULT_PORT below)
//   HOST         address to listen on (default 0.0.0.0, as a container needs; use 127.0.0.1
//                to stay on loopback)
//   BACKEND_URL  base URL of the backend, e.g. http://backend.shop.svc.cluster.local:8080
//                (default http://127.0.0.1:8080)
//   DIST_DIR     folder of the built site (default dist/ next to this file)

import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { pipeline } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';

const DEFAULT_PORT = 3000;
const DEFAULT_HOST = '0.0.0.0';
const DEFAULT_BACKEND_URL = 'http://127.0.0.1:8080';
const PROXY_TIMEOUT_MS = 30_000;
const SHUTDOWN_GRACE_MS = 10_000;

export { DEFAULT_PORT };

const HERE = path.dirname(fileURLToPath(import.meta.url));

const CONTENT_TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.xml': 'application/xml; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.otf': 'font/otf',
  '.wasm': 'application/wasm',
};

// Headers that belong to one connection and must not be forwarded (RFC 9110 section 7.6.1).
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

const SECURITY_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'same-origin',
};

const HASHED_ASSET_CACHE = 'public, max-age=31536000, immutable';
const REVALIDATE_CACHE = 'no-cache';

function sendJson(res, status, body, extraHeaders = {}) {
  if (res.headersSent || res.destroyed) {
    res.destroy();
    return;
  }
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(payload),
    'Cache-Control': 'no-store',
    ...extraHeaders,
  });
  res.end(res.req?.method === 'HEAD' ? undefined : payload);
}

function sendText(res, status, text, extraHeaders = {}) {
  res.writeHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
    ...SECURITY_HEADERS,
    ...extraHeaders,
  });
  res.end(res.req?.method === 'HEAD' ? undefined : text);
}

/** Copies headers minus hop-by-hop ones, including any the Connection header names. */
function forwardableHeaders(headers) {
  const drop = new Set(HOP_BY_HOP);
  const connection = headers.connection;
  if (typeof connection === 'string') {
    for (const name of connection.split(',')) drop.add(name.trim().toLowerCase());
  }
  const out = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !drop.has(name.toLowerCase())) out[name] = value;
  }
  return out;
}

function parseBackendUrl(raw) {
  let url;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`BACKEND_URL is not a valid URL: ${JSON.stringify(raw)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`BACKEND_URL must be an http:// or https:// URL, got ${JSON.stringify(raw)}`);
  }
  return url;
}

function createProxy(backendUrl, log) {
  const target = parseBackendUrl(backendUrl);
  const secure = target.protocol === 'https:';
  const client = secure ? https : http;
  const agent = new client.Agent({ keepAlive: true, maxSockets: 64 });
  // URL keeps the brackets of an IPv6 literal; http.request wants the bare address.
  const hostname = target.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = target.port || (secure ? 443 : 80);
  const basePath = target.pathname.replace(/\/+$/, '');

  return function proxy(req, res, pathAndQuery) {
    const headers = forwardableHeaders(req.headers);
    headers.host = target.host;
    const clientIp = req.socket.remoteAddress ?? '';
    const prior = req.headers['x-forwarded-for'];
    headers['x-forwarded-for'] = prior ? `${prior}, ${clientIp}` : clientIp;
    headers['x-forwarded-host'] = req.headers.host ?? '';
    headers['x-forwarded-proto'] = req.socket.encrypted ? 'https' : 'http';

    const upstream = client.request({
      hostname,
      port,
      method: req.method,
      path: basePath + pathAndQuery,
      headers,
      agent,
      timeout: PROXY_TIMEOUT_MS,
    });

    upstream.on('response', (upRes) => {
      const outHeaders = forwardableHeaders(upRes.headers);
      res.writeHead(upRes.statusCode ?? 502, upRes.statusMessage, outHeaders);
      pipeline(upRes, res, (err) => {
        if (err) res.destroy();
      });
    });

    upstream.on('timeout', () => {
      upstream.destroy(Object.assign(new Error('backend timed out'), { code: 'ETIMEDOUT' }));
    });

    upstream.on('error', (err) => {
      if (res.headersSent) {
        // The answer had started: all we can do is cut it short.
        res.destroy();
        return;
      }
      if (req.destroyed && res.destroyed) return; // the client left first
      const timedOut = err.code === 'ETIMEDOUT';
      log(`proxy ${req.method} ${pathAndQuery} -> ${target.origin}: ${err.message}`);
      sendJson(res, timedOut ? 504 : 502, {
        error: timedOut ? 'backend timed out' : 'backend unavailable',
      });
    });

    // The client went away before the answer was complete: stop the upstream request.
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });

    // Stream the request body (if any) to the backend. Not pipeline(): a failed upstream
    // must not destroy the client's request, or the 502 answer could not be sent.
    req.on('error', () => upstream.destroy());
    req.pipe(upstream);
  };
}

/** 400 for an undecodable path or a NUL byte, 403 for a '..' segment, else 0. */
function checkRawPath(rawPath) {
  let decoded;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    return 400;
  }
  if (decoded.includes('\0')) return 400;
  if (decoded.split(/[\\/]+/).some((s) => s === '..')) return 403;
  return 0;
}

/**
 * Maps a URL path to a file under root. Returns {file, stat}, {missing: true} or {status}.
 * Rejects anything that would leave root: '..' segments (also percent-encoded or with
 * backslashes), NUL bytes, hidden files, and symlinks pointing outside.
 */
function resolveStatic(root, rootReal, pathname) {
  let decoded;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return { status: 400 };
  }
  if (decoded.includes('\0')) return { status: 400 };
  const segments = decoded.split(/[\\/]+/).filter(Boolean);
  if (segments.some((s) => s === '..')) return { status: 403 };
  if (segments.some((s) => s.startsWith('.'))) return { status: 404 };

  const file = path.resolve(root, ...segments);
  if (file !== root && !file.startsWith(root + path.sep)) return { status: 403 };

  let real;
  try {
    real = fs.realpathSync(file);
  } catch {
    return { missing: true };
  }
  if (real !== rootReal && !real.startsWith(rootReal + path.sep)) return { status: 403 };
  let stat;
  try {
    stat = fs.statSync(real);
  } catch {
    return { missing: true };
  }
  if (stat.isDirectory()) {
    const index = path.join(real, 'index.html');
    try {
      const indexStat = fs.statSync(index);
      if (indexStat.isFile()) return { file: index, stat: indexStat };
    } catch {
      // no index.html in that folder
    }
    return { missing: true };
  }
  if (!stat.isFile()) return { missing: true };
  return { file: real, stat };
}

function serveFile(req, res, file, stat, cacheControl) {
  const type = CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
  const etag = `W/"${stat.size.toString(16)}-${Math.floor(stat.mtimeMs).toString(16)}"`;
  const headers = {
    'Content-Type': type,
    'Cache-Control': cacheControl,
    ETag: etag,
    'Last-Modified': stat.mtime.toUTCString(),
    ...SECURITY_HEADERS,
  };
  const inm = req.headers['if-none-match'];
  if (inm && inm.split(',').some((t) => t.trim() === etag || t.trim() === '*')) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  headers['Content-Length'] = stat.size;
  res.writeHead(200, headers);
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  pipeline(fs.createReadStream(file), res, (err) => {
    if (err) res.destroy();
  });
}

/**
 * Builds the HTTP server (not yet listening).
 * @param {{distDir?: string, backendUrl?: string, log?: (msg: string) => void}} [options]
 */
export function createServer(options = {}) {
  const root = path.resolve(options.distDir ?? path.join(HERE, 'dist'));
  const rootReal = fs.realpathSync(root);
  const indexFile = path.join(rootReal, 'index.html');
  const log = options.log ?? ((msg) => console.log(msg));
  const proxy = createProxy(options.backendUrl ?? DEFAULT_BACKEND_URL, log);
  let closing = false;

  const server = http.createServer((req, res) => {
    if (closing) res.setHeader('Connection', 'close');

    let url;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      sendText(res, 400, 'Bad request\n');
      return;
    }
    const { pathname } = url;

    // The URL parser quietly resolves '..' (and '%2e%2e'); a request that tries to climb
    // out is refused outright instead (browsers never send such paths).
    const rawPath = (req.url ?? '/').split(/[?#]/, 1)[0] ?? '/';
    const checked = checkRawPath(rawPath);
    if (checked) {
      sendText(res, checked, `${http.STATUS_CODES[checked]}\n`);
      return;
    }

    if (pathname === '/api' || pathname.startsWith('/api/')) {
      proxy(req, res, pathname + url.search);
      return;
    }

    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendText(res, 405, 'Method not allowed\n', { Allow: 'GET, HEAD' });
      return;
    }

    if (pathname === '/healthz') {
      if (closing) sendJson(res, 503, { status: 'shutting down' });
      else sendJson(res, 200, { status: 'ok' });
      return;
    }

    const found = resolveStatic(root, rootReal, pathname);
    if (found.status) {
      sendText(res, found.status, `${http.STATUS_CODES[found.status]}\n`);
      return;
    }
    if (found.file) {
      const hashed = pathname.startsWith('/assets/') && found.file !== indexFile;
      serveFile(req, res, found.file, found.stat, hashed ? HASHED_ASSET_CACHE : REVALIDATE_CACHE);
      return;
    }

    // Not a file. A page route of the single-page app gets index.html; a missing asset
    // (a name with an extension, or anything under /assets/) gets a real 404.
    const last = pathname.split('/').pop() ?? '';
    const wantsHtml = (req.headers.accept ?? '').includes('text/html');
    if (!pathname.startsWith('/assets/') && (!path.extname(last) || wantsHtml)) {
      let stat;
      try {
        stat = fs.statSync(indexFile);
      } catch {
        sendText(res, 503, 'The site has not been built: index.html is missing\n');
        return;
      }
      serveFile(req, res, indexFile, stat, REVALIDATE_CACHE);
      return;
    }
    sendText(res, 404, 'Not found\n');
  });

  /** Stops accepting connections, lets requests in flight finish, then closes. */
  server.shutdown = function shutdown(graceMs = SHUTDOWN_GRACE_MS) {
    closing = true;
    return new Promise((resolve) => {
      const timer = setTimeout(() => server.closeAllConnections(), graceMs);
      timer.unref();
      server.close(() => {
        clearTimeout(timer);
        resolve();
      });
      server.closeIdleConnections();
    });
  };

  return server;
}

function main() {
  const rawPort = process.env.PORT ?? String(DEFAULT_PORT);
  const port = Number(rawPort);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`PORT must be a port number, got ${JSON.stringify(rawPort)}`);
    process.exit(2);
  }
  const host = process.env.HOST || DEFAULT_HOST;
  const backendUrl = process.env.BACKEND_URL || DEFAULT_BACKEND_URL;
  const distDir = process.env.DIST_DIR || path.join(HERE, 'dist');

  if (!fs.existsSync(path.join(distDir, 'index.html'))) {
    console.error(`${path.join(distDir, 'index.html')} not found: run \`npm run build\` first`);
    process.exit(2);
  }

  let server;
  try {
    server = createServer({ distDir, backendUrl });
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(2);
  }

  server.on('error', (err) => {
    console.error(`cannot listen on ${host}:${port}: ${err.message}`);
    process.exit(1);
  });
  server.listen(port, host, () => {
    const addr = server.address();
    const shown = typeof addr === 'object' && addr ? `${addr.address}:${addr.port}` : String(addr);
    console.log(`frontend listening on http://${shown}, proxying /api to ${backendUrl}`);
  });

  let stopping = false;
  for (const signal of ['SIGTERM', 'SIGINT']) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      console.log(`${signal} received: finishing requests in flight, then exiting`);
      server.shutdown().then(() => process.exit(0));
    });
  }
}

function invokedDirectly() {
  if (!process.argv[1]) return false;
  try {
    return import.meta.url === pathToFileURL(fs.realpathSync(process.argv[1])).href;
  } catch {
    return false;
  }
}

if (invokedDirectly()) main();
