// Loads an example's /schema page in headless Chromium (Debian's /usr/bin/chromium) with every
// request to a host other than the example's aborted, and checks what a person would see: the
// operations rendered, the "Authorize" button, a lock on the protected operations only.
//
//   node schema_page.mjs http://127.0.0.1:PORT SCREENSHOT.png '["POST /login"]' '["GET /some-path"]'
//
// Prints one JSON line with what it saw; exits 1 on any failed check.
import { chromium } from 'playwright-core';

const [base, screenshot, openJson, protectedJson] = process.argv.slice(2);
const open = JSON.parse(openJson);
const guarded = JSON.parse(protectedJson);
const allowed = new URL(base).host;
const failures = [];
const blocked = [];
const pageErrors = [];
let seen = {};

// launch() gives Chromium a fresh temporary profile (its own --user-data-dir).
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: [
    '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
  ],
});
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
  // The network is cut off from everything but the example.
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (url.host === allowed || url.protocol === 'data:' || url.protocol === 'blob:') {
      return route.continue();
    }
    blocked.push(route.request().url());
    return route.abort('blockedbyclient');
  });
  const page = await context.newPage();
  page.on('pageerror', (error) => pageErrors.push(String(error)));
  const response = await page.goto(`${base}/schema`, { waitUntil: 'networkidle' });
  if (!response || response.status() !== 200) failures.push(`GET /schema: ${response?.status()}`);
  await page.waitForSelector('.opblock', { timeout: 15000 });
  seen = await page.evaluate(() => {
    const operations = {};
    for (const block of document.querySelectorAll('.opblock')) {
      const method = block.querySelector('.opblock-summary-method')?.textContent?.trim();
      const path = block.querySelector('.opblock-summary-path')?.getAttribute('data-path')
        ?? block.querySelector('.opblock-summary-path')?.textContent?.trim();
      operations[`${method} ${path}`] = {
        locked: block.querySelector('.authorization__btn') !== null,
      };
    }
    return {
      title: document.querySelector('.info .title')?.textContent?.trim(),
      authorize: document.querySelector('.auth-wrapper .btn.authorize') !== null,
      operations,
    };
  });
  for (const op of [...open, ...guarded]) {
    if (!(op in seen.operations)) failures.push(`operation ${op} not rendered`);
  }
  for (const op of open) {
    if (seen.operations[op]?.locked) failures.push(`${op} shows a lock but is not protected`);
  }
  for (const op of guarded) {
    if (seen.operations[op] && !seen.operations[op].locked) failures.push(`${op} shows no lock`);
  }
  if (!seen.authorize) failures.push('no Authorize button');
  if (blocked.length > 0) failures.push(`requests to other hosts: ${blocked.join(', ')}`);
  if (pageErrors.length > 0) failures.push(`page errors: ${pageErrors.join('; ')}`);
  await page.screenshot({ path: screenshot, fullPage: true });
} catch (error) {
  failures.push(String(error));
} finally {
  await browser.close();
}
console.log(JSON.stringify({ ...seen, blocked, pageErrors, failures, screenshot }));
process.exit(failures.length === 0 ? 0 : 1);
