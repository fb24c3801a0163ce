// Renders an HTML report (`estimate`/`compare --format html`) in the system
// Chromium (headless) and prints what it saw as one JSON object. Run by
// tests/integration/serve/browser.rs:
//
//   node tests/browser/report.mjs PAGE.html OUT_DIR NAME
//
// Screenshots at desktop and phone widths and PDFs on A4 and Letter paper
// (the print stylesheet) go to OUT_DIR as NAME-*.{png,pdf}.
import { chromium } from "playwright-core";
import { pathToFileURL } from "node:url";

const [file, outDir, name] = process.argv.slice(2);
const url = pathToFileURL(file).href;
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu"],
});
const out = { requests: [] };
try {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  page.on("request", (r) => out.requests.push(r.url()));
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(url);
  out.title = await page.title();
  out.verdict = await page.textContent(".verdict");
  out.verdictColor = await page.$eval(".verdict", (e) => getComputedStyle(e).color);
  out.tables = await page.$$eval("table", (ts) => ts.map((t) => t.tBodies[0].rows.length));
  out.firstColumn = await page.$$eval("table:first-of-type tbody tr td:first-child", (tds) => tds.map((td) => td.textContent));
  out.bars = await page.$$eval(".bars .label", (ls) => ls.map((l) => l.textContent));
  out.svgs = await page.$$eval("svg", (s) => s.length);
  await page.screenshot({ path: `${outDir}/${name}-desktop.png`, fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  out.phoneOverflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1);
  await page.screenshot({ path: `${outDir}/${name}-phone.png`, fullPage: true });
  for (const format of ["A4", "Letter"]) {
    const pdf = await page.pdf({ format, printBackground: true });
    out[`pdf${format}`] = pdf.length;
    const fs = await import("node:fs");
    fs.writeFileSync(`${outDir}/${name}-${format}.pdf`, pdf);
  }
  out.pageErrors = errors;
} finally {
  await browser.close();
}
console.log(JSON.stringify(out));
