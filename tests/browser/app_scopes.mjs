// The application's /schema page in headless Chromium, as app_authorize.mjs drives it, to see
// that the scopes chosen in "Authorize" are the scopes the token gets: "Authorize" with the
// OAuth2 password flow and only SCOPE ticked, close the dialog, then "Try it out" on
// `POST /notes` (which needs `notes:write`) with the example body, and read the answer shown.
//
//   node app_scopes.mjs http://127.0.0.1:PORT SCREENSHOT.png USERNAME PASSWORD SCOPE
//
// Prints one JSON line with what it saw (the scopes offered, the token's `scope`, the status
// and `WWW-Authenticate` of the write); exits 1 when the page could not be driven.
import { chromium } from 'playwright-core';

const [base, screenshot, username, password, scope] = process.argv.slice(2);
const allowed = new URL(base).host;
const failures = [];
const blocked = [];
const pageErrors = [];
const seen = {};

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: [
    '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
  ],
});
let page;
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (url.host === allowed || url.protocol === 'data:' || url.protocol === 'blob:') {
      return route.continue();
    }
    blocked.push(route.request().url());
    return route.abort('blockedbyclient');
  });
  page = await context.newPage();
  page.on('pageerror', (error) => pageErrors.push(String(error)));
  page.setDefaultTimeout(15000);
  const response = await page.goto(`${base}/schema`, { waitUntil: 'networkidle' });
  if (!response || response.status() !== 200) failures.push(`GET /schema: ${response?.status()}`);
  await page.waitForSelector('.opblock');

  await page.click('.auth-wrapper .btn.authorize');
  const dialog = page.locator('.modal-ux');
  await dialog.waitFor();
  // The scopes the OAuth2 scheme declares, each a checkbox; tick SCOPE only.
  const boxes = dialog.locator('.scopes .checkbox');
  seen.offered = (await boxes.locator('.name').allTextContents()).map((name) => name.trim());
  await boxes.filter({ hasText: scope }).locator('label').first().click();
  await dialog.locator('#oauth_username').fill(username);
  await dialog.locator('#oauth_password').fill(password);
  const [token] = await Promise.all([
    page.waitForResponse(
      (r) => new URL(r.url()).pathname === '/token' && r.request().method() === 'POST',
    ),
    dialog.locator('.auth-btn-wrapper .btn.modal-btn.auth.authorize').first().click(),
  ]);
  seen.tokenStatus = token.status();
  seen.requested = new URLSearchParams(token.request().postData() ?? '').get('scope');
  seen.granted = (await token.json().catch(() => ({}))).scope ?? null;
  await dialog.locator('.auth-btn-wrapper .btn.modal-btn.auth', { hasText: 'Logout' }).first()
    .waitFor();
  await dialog.locator('.auth-btn-wrapper .btn-done').first().click();
  await dialog.waitFor({ state: 'detached' });

  // POST /notes: expand, "Try it out" (when not already on), "Execute" with the example body.
  const write = page.locator('.opblock.opblock-post', {
    has: page.locator('.opblock-summary-path[data-path="/notes"]'),
  });
  await write.locator('.opblock-summary').first().click();
  const tryOut = write.locator('.try-out__btn');
  if ((await tryOut.textContent())?.trim() === 'Try it out') await tryOut.click();
  const [answer] = await Promise.all([
    page.waitForResponse(
      (r) => new URL(r.url()).pathname === '/notes' && r.request().method() === 'POST',
    ),
    write.locator('.btn.execute').click(),
  ]);
  seen.writeStatus = answer.status();
  seen.writeChallenge = answer.headers()['www-authenticate'] ?? null;
  const shown = write.locator('.live-responses-table .response');
  await shown.first().waitFor();
  seen.shownStatus = (await shown.locator('.response-col_status').first().textContent())?.trim();
  await write.scrollIntoViewIfNeeded();

  if (blocked.length > 0) failures.push(`requests to other hosts: ${blocked.join(', ')}`);
  if (pageErrors.length > 0) failures.push(`page errors: ${pageErrors.join('; ')}`);
} catch (error) {
  failures.push(String(error));
} finally {
  if (page) await page.screenshot({ path: screenshot, fullPage: true }).catch(() => {});
  await browser.close();
}
console.log(JSON.stringify({ ...seen, blocked, pageErrors, failures, screenshot }));
process.exit(failures.length === 0 ? 0 : 1);
