// End-to-end test of the sample app in a real browser: Debian Chromium driven by
// playwright-core, against the real backend behind the frontend's own server.mjs.
// run.sh builds and starts both servers; this script only drives the browser.
//
// Environment:
//   FRONTEND_URL  where server.mjs listens, e.g. http://127.0.0.1:41234
//   BACKEND_URL   the backend itself, to check what it really stores (bypassing the page)
//   SCREENSHOT    where to save the screenshot of the list
//   CHROMIUM      browser binary (default /usr/bin/chromium)

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { firstPage, launch, required, step } from './chromium.mjs';

const FRONTEND_URL = required('FRONTEND_URL');
const BACKEND_URL = required('BACKEND_URL');
const SCREENSHOT = required('SCREENSHOT');

/** Retries `check` until it stops throwing, or rethrows its last error after `ms`. */
async function eventually(check, ms = 5000) {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** What the backend itself stores, asked directly rather than through the page. */
async function backendItems() {
  const res = await fetch(`${BACKEND_URL}/api/items`);
  assert.equal(res.status, 200, 'GET /api/items on the backend');
  return res.json();
}

async function backendItem(title) {
  return (await backendItems()).find((i) => i.title === title);
}

function isApi(method, pathPattern) {
  return (res) =>
    res.request().method() === method && pathPattern.test(new URL(res.url()).pathname);
}

async function run(page) {
  const stamp = Date.now().toString(36);
  const first = `Buy oat milk ${stamp}`;
  const second = `Water the plants ${stamp}`;

  step(`open ${FRONTEND_URL}`);
  const [listed] = await Promise.all([
    page.waitForResponse(isApi('GET', /^\/api\/items$/)),
    page.goto(FRONTEND_URL),
  ]);
  assert.equal(listed.status(), 200, 'the page loads the list through the proxy');
  await page.getByRole('heading', { name: 'To-do' }).waitFor();
  await page.getByRole('status').waitFor({ state: 'detached' }); // loading finished
  assert.equal(await page.getByRole('alert').count(), 0, 'no error shown on load');

  const input = page.getByRole('textbox', { name: 'New to-do' });
  const addButton = page.getByRole('button', { name: 'Add' });

  step(`add "${first}" with Enter`);
  await input.fill(first);
  const [created] = await Promise.all([
    page.waitForResponse(isApi('POST', /^\/api\/items$/)),
    input.press('Enter'),
  ]);
  assert.equal(created.status(), 201, 'POST /api/items answers 201');
  const firstBox = page.getByRole('checkbox', { name: first, exact: true });
  await firstBox.waitFor();
  assert.equal(await input.inputValue(), '', 'the input is cleared after adding');
  assert.equal(await firstBox.isChecked(), false);

  const stored = await backendItem(first);
  assert.ok(stored, `the backend stores "${first}"`);
  assert.equal(stored.done, false);

  step(`add "${second}" with the Add button`);
  await input.fill(second);
  await Promise.all([page.waitForResponse(isApi('POST', /^\/api\/items$/)), addButton.click()]);
  await page.getByRole('checkbox', { name: second, exact: true }).waitFor();
  assert.ok(await backendItem(second), `the backend stores "${second}"`);

  const rows = page.getByRole('list', { name: 'To-do items' }).getByRole('listitem');
  const texts = await rows.allInnerTexts();
  assert.ok(texts.some((t) => t.includes(first)), `"${first}" is listed`);
  assert.ok(texts.some((t) => t.includes(second)), `"${second}" is listed`);

  step(`mark "${first}" done`);
  const [patched] = await Promise.all([
    page.waitForResponse(isApi('PATCH', /^\/api\/items\/\d+$/)),
    firstBox.click(),
  ]);
  assert.equal(patched.status(), 200, 'PATCH answers 200');
  await eventually(async () => assert.equal(await firstBox.isChecked(), true));
  await eventually(async () => assert.equal((await backendItem(first))?.done, true, 'done on the backend'));
  await page.getByText(/1 of \d+ done/).waitFor();

  step(`screenshot -> ${SCREENSHOT}`);
  await page.mouse.move(0, 0);
  await page.screenshot({ path: SCREENSHOT, fullPage: true });

  step(`mark "${first}" not done again`);
  await firstBox.click();
  await eventually(async () => assert.equal((await backendItem(first))?.done, false, 'undone on the backend'));
  await eventually(async () => assert.equal(await firstBox.isChecked(), false));

  step(`remove "${first}"`);
  const [deleted] = await Promise.all([
    page.waitForResponse(isApi('DELETE', /^\/api\/items\/\d+$/)),
    page.getByRole('button', { name: `Remove ${first}`, exact: true }).click(),
  ]);
  assert.equal(deleted.status(), 204, 'DELETE answers 204');
  await firstBox.waitFor({ state: 'detached' });
  assert.equal(await page.getByText(first).count(), 0, `"${first}" is gone from the page`);
  assert.equal(await backendItem(first), undefined, `the backend no longer has "${first}"`);
  assert.ok(await backendItem(second), `the backend still has "${second}"`);

  step('reload: the page shows what the backend has');
  await page.reload();
  await page.getByRole('checkbox', { name: second, exact: true }).waitFor();
  assert.equal(await page.getByText(first).count(), 0, `"${first}" stays gone after a reload`);
  assert.equal(await page.getByRole('alert').count(), 0, 'no error shown');
}

async function main() {
  fs.mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
  const { context, close } = await launch({ width: 900, height: 600 });
  const problems = [];
  let page;
  try {
    page = await firstPage(context, problems);
    await run(page);
    assert.deepEqual(problems, [], 'the page logged no errors');
  } catch (err) {
    if (page) {
      const failShot = SCREENSHOT.replace(/\.png$/, '') + '-failure.png';
      await page.screenshot({ path: failShot, fullPage: true }).catch(() => {});
      console.error(`  screenshot of the failure: ${failShot}`);
    }
    if (problems.length) console.error(problems.map((p) => `  ${p}`).join('\n'));
    throw err;
  } finally {
    await close();
  }
}

console.log('browser: to-do list end to end (add, list, toggle, remove)');
main().then(
  () => console.log('ok: to-do list end to end'),
  (err) => {
    console.error(`FAILED: ${err instanceof Error ? err.stack ?? err.message : err}`);
    process.exitCode = 1;
  },
);
