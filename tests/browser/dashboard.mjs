// Drives the dashboard of a running `genbudget serve` in the system
// Chromium (headless) and prints what it saw as one JSON object. Run by
// tests/integration/serve/browser.rs:
//
//   node tests/browser/dashboard.mjs BASE APP_TOKEN REVOKED_TOKEN OUT_DIR
//
// It signs in with APP_TOKEN, reads the figures, makes a hold through the
// API and waits for the page to show it, takes screenshots at desktop and
// phone widths into OUT_DIR, then signs in with REVOKED_TOKEN and reads the
// message. Every request the page makes is recorded, so the test can check
// that none leaves the page's own origin.
import { chromium } from "playwright-core";

const [base, token, revoked, outDir] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu"],
});
const out = { requests: [], foreign: [] };
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.on("request", (r) => {
    out.requests.push(r.url());
    if (!r.url().startsWith(base + "/")) out.foreign.push(r.url());
  });
  const pageErrors = [];
  page.on("pageerror", (e) => pageErrors.push(String(e)));

  await page.goto(base + "/");
  await page.fill("#token", token);
  await page.click("#sign-in-form button[type=submit]");
  await page.waitForSelector("#board:not([hidden])");
  await page.waitForSelector("#chart svg, #chart p");
  const read = () => page.$$eval(".party", (ps) => ps.map((p) => ({
    name: p.querySelector(".name").textContent,
    figures: p.querySelector(".figures").textContent,
  })));
  out.before = await read();
  out.holdsBefore = await page.$$eval("#holds tbody tr", (rs) => rs.map((r) => [...r.cells].map((c) => c.textContent)));
  out.chart = await page.getAttribute("#chart", "aria-label");
  out.asOf = await page.textContent("#as-of");

  // A hold made through the API shows up without a reload.
  const r = await fetch(base + "/v1/holds", {
    method: "POST",
    headers: { Authorization: "Bearer " + token, "Content-Type": "application/json" },
    body: JSON.stringify({ user: "alice", key: "from-the-browser-test", credits: "70" }),
  });
  out.reserveStatus = r.status;
  await page.waitForFunction(
    () => [...document.querySelectorAll("#holds tbody tr td:first-child")].some((td) => td.textContent === "from-the-browser-test"),
    null,
    { timeout: 15000 },
  );
  out.after = await read();
  out.holdsAfter = await page.$$eval("#holds tbody tr", (rs) => rs.map((r) => [...r.cells].map((c) => c.textContent)));

  await page.screenshot({ path: outDir + "/dashboard-desktop.png", fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: outDir + "/dashboard-phone.png", fullPage: true });
  out.phoneOverflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);

  // A revoked token: signed out with a message.
  await page.click("#sign-out");
  await page.fill("#token", revoked);
  await page.click("#sign-in-form button[type=submit]");
  await page.waitForSelector("#message:not([hidden])");
  out.revokedMessage = await page.textContent("#message");
  out.boardHiddenAfterRevoked = await page.isHidden("#board");
  out.pageErrors = pageErrors;
} finally {
  await browser.close();
}
console.log(JSON.stringify(out));
