// The dashboard of `genbudget serve`: reads /v1/status, /v1/holds and (for
// admin and app tokens) /v1/report with the token the person signs in
// with, kept only in this tab's sessionStorage, and draws them. Read-only.
// Every value from the ledger is put on the page with textContent or as an
// SVG text node's data, never as markup.
"use strict";

const KEY = "genbudget.token";
const REFRESH_MS = 5000;
let timer = null;

const $ = (id) => document.getElementById(id);

function el(tag, attrs, text) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

function svg(tag, attrs, text) {
  const e = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

// Amounts are exact decimal strings; numbers here only size the bars.
const num = (s) => (s === null || s === undefined ? 0 : Number(s));

async function get(path) {
  const token = sessionStorage.getItem(KEY);
  const r = await fetch(path, { headers: { Authorization: "Bearer " + token }, cache: "no-store" });
  if (r.status === 401) throw new Error("unauthorized");
  if (r.status === 403) return null;
  const doc = await r.json();
  if (!r.ok) throw new Error(doc.errors ? doc.errors[0].message : "HTTP " + r.status);
  return doc;
}

function show(message) {
  const m = $("message");
  m.textContent = message;
  m.hidden = !message;
}

function party(p, label) {
  const box = el("div", { class: "party" });
  box.appendChild(el("div", { class: "name" }, label));
  const cap = p.cap === null ? null : num(p.cap);
  const spent = num(p.spent);
  const held = num(p.held);
  const total = cap === null ? Math.max(spent + held, 1) : Math.max(cap + num(p.grants), spent + held, 1);
  const bar = el("div", { class: "bar", role: "img" });
  const text =
    (cap === null ? "no cap" : "cap " + p.cap + " a " + p.period) +
    ", spent " + p.spent + ", held " + p.held +
    (num(p.grants) > 0 ? ", grants " + p.grants : "") +
    ", available " + (p.available === null ? "unlimited" : p.available) +
    ", open holds " + p.open_holds + (p.max_holds === null ? "" : " of " + p.max_holds);
  bar.setAttribute("aria-label", label + ": " + text);
  const s = el("div", { class: "spent" });
  s.style.width = (100 * spent) / total + "%";
  const h = el("div", { class: "held" });
  h.style.width = (100 * held) / total + "%";
  bar.append(s, h);
  box.appendChild(bar);
  box.appendChild(el("div", { class: "figures" }, text));
  return box;
}

// A duration in words: "42 s", "7 min", "3 h".
function span(ms) {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 90) return s + " s";
  if (s < 5400) return Math.round(s / 60) + " min";
  return Math.round(s / 3600) + " h";
}

function drawHolds(doc, now) {
  const body = $("holds").tBodies[0];
  body.replaceChildren();
  for (const h of doc.holds) {
    const tr = el("tr");
    tr.append(
      el("td", {}, h.key),
      el("td", {}, h.user),
      el("td", {}, h.model === null ? "(credits)" : h.model),
      el("td", { class: "num" }, h.credits),
      el("td", {}, span(now - Date.parse(h.created_at))),
      el("td", {}, h.expires_at === null ? "—" : span(Date.parse(h.expires_at) - now))
    );
    body.appendChild(tr);
  }
  $("holds").hidden = doc.holds.length === 0;
  $("no-holds").hidden = doc.holds.length !== 0;
}

function drawChart(report) {
  const box = $("chart");
  box.replaceChildren();
  const rows = report.rows;
  const w = 640, h = 200, pad = 28;
  const max = Math.max(1, ...rows.map((r) => num(r.credits)));
  const s = svg("svg", { viewBox: `0 0 ${w} ${h + pad}`, "aria-hidden": "true" });
  // At least a fortnight's width, so one day is a bar, not a wall.
  const bw = (w - pad) / Math.max(rows.length, 14);
  rows.forEach((r, i) => {
    const bh = ((h - pad) * num(r.credits)) / max;
    s.appendChild(svg("rect", { x: pad + i * bw + 2, y: h - bh, width: Math.max(bw - 4, 1), height: bh, fill: "#1f5fbf" }));
    s.appendChild(svg("text", { x: pad + i * bw + bw / 2, y: h + 16, "text-anchor": "middle", "font-size": 11 }, r.group.slice(5)));
    s.appendChild(svg("text", { x: pad + i * bw + bw / 2, y: h - bh - 4, "text-anchor": "middle", "font-size": 11 }, r.credits));
  });
  box.appendChild(s);
  box.setAttribute(
    "aria-label",
    rows.length ? "Credits spent by day: " + rows.map((r) => r.group + " " + r.credits).join(", ") : "Nothing spent yet this period"
  );
  if (!rows.length) box.appendChild(el("p", {}, "Nothing spent yet this period."));
}

async function refresh() {
  try {
    const status = await get("/v1/status");
    const holds = await get("/v1/holds");
    const now = new Date(status.as_of);
    $("as-of").textContent = "as of " + status.as_of + " (" + status.timezone + "), 1 credit = " + status.credit_value + " " + status.currency;
    const parties = $("parties");
    parties.replaceChildren(party(status.org, "Organisation"));
    for (const u of status.users) parties.appendChild(party(u, u.user));
    drawHolds(holds, now);
    const start = status.org.period_start;
    const report = await get("/v1/report?by=day" + (start ? "&from=" + encodeURIComponent(start) : ""));
    $("by-day").hidden = report === null;
    if (report !== null) drawChart(report);
    $("sign-in").hidden = true;
    $("board").hidden = false;
    $("sign-out").hidden = false;
    show("");
  } catch (e) {
    if (e.message === "unauthorized") {
      signOut();
      show("That token is not valid (unknown or revoked). Sign in with another.");
    } else {
      show("Could not refresh: " + e.message + ". Retrying…");
    }
  }
}

function signOut() {
  sessionStorage.removeItem(KEY);
  clearInterval(timer);
  timer = null;
  $("board").hidden = true;
  $("sign-in").hidden = false;
  $("sign-out").hidden = true;
  $("as-of").textContent = "";
}

function start() {
  refresh();
  clearInterval(timer);
  timer = setInterval(refresh, REFRESH_MS);
}

document.addEventListener("DOMContentLoaded", () => {
  $("sign-in-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    sessionStorage.setItem(KEY, $("token").value.trim());
    $("token").value = "";
    start();
  });
  $("sign-out").addEventListener("click", () => {
    signOut();
    show("");
  });
  if (sessionStorage.getItem(KEY)) start();
});
