// The application's /schema page in headless Chromium (Debian's /usr/bin/chromium), with every
// request to a host other than the app's aborted, used as a person would: "Authorize" with the
// OAuth2 password flow (a registered username and password), close the dialog, open
// `GET /me`, "Try it out", "Execute", and read the response shown.
//
//   node app_authorize.mjs http://127.0.0.1:PORT SCREENSHOT.png USERNAME PASSWORD
//
// Prints one JSON line with what it saw; exits 1 on any failed check.
import { chromium } from 'playwright-core';

const [base, screenshot, username, password] = process.argv.slice(2);
const allowed = new URL(base).host;
const failures = [];
const blocked = [];
const pageErrors = [];
const seen = {};

// launch() gives Chromium a fresh temporary profile (its own --user-data-dir).
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
  // The network is cut off from everything but the app.
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

  // Authorize: the OAuth2 password flow posts the form to the token URL.
  await page.click('.auth-wrapper .btn.authorize');
  const dialog = page.locator('.modal-ux');
  await dialog.waitFor();
  await dialog.locator('#oauth_username').fill(username);
  await dialog.locator('#oauth_password').fill(password);
  const [token] = await Promise.all([
    page.waitForResponse(
      (r) => new URL(r.url()).pathname === '/token' && r.request().method() === 'POST',
    ),
    dialog.locator('.auth-btn-wrapper .btn.modal-btn.auth.authorize').first().click(),
  ]);
  seen.tokenStatus = token.status();
  // Once authorized, the dialog offers "Logout" for the scheme.
  await dialog.locator('.auth-btn-wrapper .btn.modal-btn.auth', { hasText: 'Logout' }).first()
    .waitFor();
  seen.authorized = true;
  await dialog.locator('.auth-btn-wrapper .btn-done').first().click();
  await dialog.waitFor({ state: 'detached' });

  // GET /me: expand, "Try it out", "Execute".
  const me = page.locator('.opblock.opblock-get', {
    has: page.locator('.opblock-summary-path[data-path="/me"]'),
  });
  await me.locator('.opblock-summary').first().click();
  // The page is configured with "Try it out" on; press it only when it is not.
  const tryOut = me.locator('.try-out__btn');
  if ((await tryOut.textContent())?.trim() === 'Try it out') await tryOut.click();
  const [meRequest] = await Promise.all([
    page.waitForRequest((r) => new URL(r.url()).pathname === '/me' && r.method() === 'GET'),
    me.locator('.btn.execute').click(),
  ]);
  seen.meAuthorization = (meRequest.headers().authorization ?? '').split(' ')[0];
  const shown = me.locator('.live-responses-table .response');
  await shown.first().waitFor();
  seen.meStatus = (await shown.locator('.response-col_status').first().textContent())?.trim();
  seen.meBody = (await shown.locator('.response-col_description pre').first().textContent())
    ?.trim();
  await me.scrollIntoViewIfNeeded();

  if (seen.tokenStatus !== 200) failures.push(`POST /token answered ${seen.tokenStatus}`);
  if (seen.meAuthorization !== 'Bearer') failures.push('GET /me was sent without a Bearer token');
  if (seen.meStatus !== '200') failures.push(`GET /me shows ${seen.meStatus}`);
  let user = null;
  try {
    user = JSON.parse(seen.meBody ?? '');
  } catch {
    failures.push(`GET /me shows no JSON: ${seen.meBody}`);
  }
  if (user && user.username !== username) failures.push(`GET /me shows ${seen.meBody}`);
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
