// berth's HTML review page (`berth diff --output html`) in a real browser: Debian Chromium
// driven by playwright-core. review.sh makes the page; this script checks that it renders,
// that the overview's links land on each file's section, that the findings and changed words
// are shown, that the page asks the network for nothing, and saves a screenshot.
//
// Environment:
//   PAGE        the review page (an .html file)
//   SCREENSHOT  where to save the screenshot
//   CHROMIUM    browser binary (default /usr/bin/chromium)

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { firstPage, launch, required, step } from './chromium.mjs';

const PAGE = required('PAGE');
const SCREENSHOT = required('SCREENSHOT');

async function run(page, requests) {
  const url = pathToFileURL(path.resolve(PAGE)).href;
  step(`open ${url}`);
  await page.goto(url);
  await page.getByRole('heading', { level: 1, name: /^berth review: / }).waitFor();

  const links = await page.locator('table.overview a').evaluateAll((as) =>
    as.map((a) => a.getAttribute('href')),
  );
  step(`overview: ${links.length} files`);
  assert.ok(links.length >= 2, 'the overview lists the files');
  for (const href of links) {
    await page.locator(`table.overview a[href="${href}"]`).click();
    const hash = await page.evaluate(() => decodeURIComponent(location.hash));
    assert.equal(hash, href, `the link ${href} is followed`);
    const at = await page.evaluate((id) => {
      const el = document.getElementById(id);
      if (!el) return null;
      const atEnd = window.scrollY + window.innerHeight >= document.documentElement.scrollHeight - 1;
      return { top: el.getBoundingClientRect().top, atEnd, height: window.innerHeight };
    }, href.slice(1));
    assert.notEqual(at, null, `${href} names a section`);
    // At the top of the window, or (the last sections) in view with the page scrolled to its end.
    const shown = Math.abs(at.top) < 2 || (at.atEnd && at.top >= 0 && at.top < at.height);
    assert.ok(shown, `${href} brings its section into view (${JSON.stringify(at)})`);
    await page.locator(`section[id="${href.slice(1)}"] a.top`).click();
    assert.equal(await page.evaluate(() => location.hash), '#overview', 'and back to the overview');
  }

  step('findings under their lines, changed words marked, provenance shown');
  const finding = page.locator('tr.finding.error').first();
  assert.match(await finding.innerText(), /dockerfile\/no-user/);
  assert.ok(await finding.isVisible());
  const marks = await page.locator('tr.add mark').allInnerTexts();
  assert.ok(marks.includes('/health'), `the changed word is marked: ${marks}`);
  assert.match(await page.locator('dl.provenance').first().innerText(), /specs\/store\/plan\.md:\d+/);

  step(`screenshot -> ${SCREENSHOT}`);
  await page.locator('table.overview a').first().click();
  await page.screenshot({ path: SCREENSHOT, fullPage: true });

  const elsewhere = requests.filter((r) => r !== url);
  assert.deepEqual(elsewhere, [], 'the page made no request but for itself');
}

async function main() {
  fs.mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
  const { context, close } = await launch({ width: 1100, height: 700 });
  const requests = [];
  const problems = [];
  try {
    // Every request is seen here, and any that leaves the page's own file is refused.
    await context.route('**/*', (route) => {
      requests.push(route.request().url());
      return route.request().url().startsWith('file:') ? route.continue() : route.abort();
    });
    context.on('request', (r) => {
      if (!requests.includes(r.url())) requests.push(r.url());
    });
    const page = await firstPage(context, problems);
    await run(page, requests);
    assert.deepEqual(problems, [], 'the page logged no errors');
  } finally {
    await close();
  }
}

console.log('browser: berth diff --output html (renders, anchors, no network, screenshot)');
main().then(
  () => console.log('ok: review page'),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
