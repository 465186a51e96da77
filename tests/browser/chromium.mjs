// What the browser tests share: Debian Chromium started headless through playwright-core in a
// throwaway profile, required environment variables, and step logging.
//
// Environment: CHROMIUM, the browser binary (default /usr/bin/chromium).

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** The variable's value; exits 2 (naming the script) when it is not set. */
export function required(name) {
  const value = process.env[name];
  if (!value) {
    console.error(`${path.basename(process.argv[1], '.mjs')}: ${name} must be set`);
    process.exit(2);
  }
  return value;
}

export function step(message) {
  console.log(`  - ${message}`);
}

/**
 * Chromium in a fresh profile with this viewport; `close()` stops it and deletes the profile.
 * A browser that fails to start leaves no profile behind.
 */
export async function launch(viewport) {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-chromium-'));
  let context;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport,
      deviceScaleFactor: 1,
    });
  } catch (err) {
    fs.rmSync(profile, { recursive: true, force: true });
    throw err;
  }
  const close = async () => {
    await context.close().catch(() => {});
    fs.rmSync(profile, { recursive: true, force: true });
  };
  return { context, close };
}

/** The browser's first tab, with its page errors and console errors noted in `problems`. */
export async function firstPage(context, problems) {
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(15_000);
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console error: ${msg.text()}`);
  });
  return page;
}
