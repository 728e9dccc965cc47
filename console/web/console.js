// The oms operator console. No framework, no CDN: it reads /api/snapshot, then follows /live.
"use strict";

const $ = (sel) => document.querySelector(sel);
const OPEN_STATES = new Set(["pending", "queued", "partially_filled", "unknown"]);
const SVG = "http://www.w3.org/2000/svg";
let csrf = { header: "X-OMS-CSRF", value: "" };
let orders = [];
let selected = null;
let state = {};
let socket = null;

function el(tag, attrs = {}, text) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

function svg(tag, attrs = {}, text) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

function age(iso) {
  const t = Date.parse(iso);
  if (!t) return "";
  const s = Math.max(0, Math.round((Date.now() - t) / 1000));
  if (s < 120) return s + " s";
  if (s < 7200) return Math.round(s / 60) + " min";
  return Math.round(s / 3600) + " h";
}

function time(iso) { return iso ? iso.replace("T", " ").replace(/\.\d+Z$/, "Z") : ""; }

function renderState(s) {
  state = s || {};
  $("#mode").textContent = state.mode || "?";
  $("#mode").className = "pill" + (state.mode === "live" ? " live" : "");
  $("#broker").textContent = state.broker_host ? "broker " + state.broker_host : "";
  const session = state.session && state.session !== "valid" ? " (" + state.session.replace("_", " ") + ")" : "";
  $("#session").textContent = state.session_expires_at ? "session until " + time(state.session_expires_at) + session
    : (state.mode === "live" ? "session expiry unknown" + session : "");
  const badge = $("#state-badge"), reason = $("#state-reason");
  let text = state.state || "starting", cls = state.state || "";
  let why = "";
  if (state.halted) { text = "HALTED"; cls = "halted"; why = "kill switch" + (state.halted_by ? " by " + state.halted_by : "") + (state.halted_at ? " at " + time(state.halted_at) : ""); }
  else if (state.breaker_open) { text = "BREAKER OPEN"; cls = "breaker"; why = state.breaker_reason || "broker failures"; }
  else if (state.state === "ready") { text = "READY"; }
  else if (state.state === "recovery_failed") { why = state.recovery_error || ""; }
  badge.textContent = text;
  badge.className = "badge " + cls;
  reason.textContent = why;
  $("#resume").disabled = !(state.halted || state.breaker_open);
}

function renderOrders(rows) {
  orders = rows || [];
  const open = orders.filter((o) => OPEN_STATES.has(o.state));
  const body = $("#open-orders tbody");
  body.replaceChildren();
  for (const o of open) {
    const tr = el("tr", { "data-order-id": o.order_id || o.ref_id, "data-state": o.state });
    tr.append(el("td", {}, o.symbol), el("td", {}, o.side), el("td", { class: "num" }, o.quantity),
      el("td", { class: "num" }, o.limit_price), el("td", { class: "state-" + o.state }, o.state),
      el("td", { class: "num" }, o.filled_quantity), el("td", { class: "num", "data-created": o.created_at }, age(o.created_at)));
    tr.addEventListener("click", () => showHistory(o.order_id || o.ref_id));
    if ((o.order_id || o.ref_id) === selected) tr.classList.add("selected");
    body.append(tr);
  }
  $("#open-count").textContent = "(" + open.length + ")";
  $("#no-open").hidden = open.length > 0;
  const all = $("#orders tbody");
  all.replaceChildren();
  for (const o of orders.slice(0, 25)) {
    const tr = el("tr", { "data-order-id": o.order_id || o.ref_id, "data-state": o.state });
    tr.append(el("td", {}, time(o.created_at)), el("td", {}, o.symbol), el("td", {}, o.side), el("td", { class: "num" }, o.quantity),
      el("td", { class: "num" }, o.limit_price), el("td", { class: "state-" + o.state }, o.state),
      el("td", { class: "num" }, o.filled_quantity), el("td", { class: "detail" }, o.detail || ""));
    tr.addEventListener("click", () => showHistory(o.order_id || o.ref_id));
    if ((o.order_id || o.ref_id) === selected) tr.classList.add("selected");
    all.append(tr);
  }
}

function renderFills(fills) {
  const body = $("#fills tbody");
  body.replaceChildren();
  for (const f of (fills || []).slice(0, 20)) {
    const tr = el("tr");
    tr.append(el("td", {}, time(f.ts)), el("td", {}, (f.symbol ? f.symbol + " " : "") + (f.order_id || "").slice(0, 8)),
      el("td", { class: "num" }, f.quantity), el("td", { class: "num" }, f.price));
    body.append(tr);
  }
}

function renderHeart(h) {
  if (!h || !h.metrics) return;
  const body = $("#heart tbody");
  body.replaceChildren();
  for (const m of h.metrics) {
    const v = m.verdict || "";
    const cls = v.startsWith("meets") ? "verdict-meets" : v.startsWith("below") ? "verdict-below" : v.startsWith("guardrail") ? "verdict-breached" : "muted";
    const tr = el("tr");
    tr.append(el("td", {}, m.dimension), el("td", {}, m.metric), el("td", {}, m.value), el("td", {}, m.target),
      el("td", {}, m.guardrail), el("td", { class: cls }, v));
    body.append(tr);
  }
}

function barChart(target, bars, opts) {
  const box = $(target);
  box.replaceChildren();
  const W = 480, H = 190, left = 34, bottom = 30, top = 10;
  const max = Math.max(1, ...bars.map((b) => b.value));
  const bw = Math.min(48, (W - left - 6) / Math.max(1, bars.length));
  box.append(svg("line", { x1: left, y1: H - bottom, x2: W, y2: H - bottom, class: "axis" }));
  box.append(svg("text", { x: 2, y: top + 8 }, String(max)), svg("text", { x: 2, y: H - bottom }, "0"));
  bars.forEach((b, i) => {
    const h = Math.round((H - bottom - top) * b.value / max);
    const x = left + i * bw + 2;
    const r = svg("rect", { x: x, y: H - bottom - h, width: Math.max(1, bw - 4), height: h, class: "bar" + (b.slow ? " slow" : "") });
    r.append(svg("title", {}, b.label + ": " + b.value));
    box.append(r);
    if (opts.every === undefined || i % opts.every === 0)
      box.append(svg("text", { x: x, y: H - bottom + 12 }, b.label));
  });
  if (opts.caption) box.append(svg("text", { x: left, y: H - 4 }, opts.caption));
}

function renderCharts(c) {
  if (!c) return;
  const bars = (c.latency || []).map((b, i, all) => {
    const lo = i === 0 ? 0 : all[i - 1].le_ms;
    const ms = (v) => (v >= 1000 ? v / 1000 + "s" : String(v));
    const label = b.le_ms === null ? ">" + ms(lo) : "≤" + ms(b.le_ms);
    return { label: label, value: b.count, slow: b.le_ms === null || b.le_ms > 1500 };
  });
  $("#latency-n").textContent = "(n=" + (c.latency_count || 0) + ", since the owner started; ms, red: over the 1500 ms guardrail)";
  barChart("#latency-chart", bars, { caption: "submission duration (journalled latency_ms)" });
  const minutes = (c.requests_per_minute || []).map((m) => ({ label: m.minute.slice(11, 16), value: m.requests }));
  barChart("#rpm-chart", minutes, { every: Math.max(1, Math.ceil(minutes.length / 6)), caption: "requests per minute (UTC)" });
}

function addAlert(a) {
  const li = el("li", { class: "sev-" + a.severity, "data-alert-id": a.id }, time(a.at) + " " + a.summary);
  $("#alerts").prepend(li);
}

async function showHistory(id) {
  selected = id;
  $("#history-id").textContent = id;
  for (const tr of document.querySelectorAll("tr.selected")) tr.classList.remove("selected");
  for (const tr of document.querySelectorAll('tr[data-order-id="' + CSS.escape(id) + '"]')) tr.classList.add("selected");
  const res = await fetch("/api/history?order_id=" + encodeURIComponent(id), { credentials: "same-origin" });
  if (!res.ok) return;
  const doc = await res.json();
  const list = $("#history");
  list.replaceChildren();
  for (const r of doc.records) {
    const { ts, kind, ...rest } = r;
    delete rest.raw;
    list.append(el("li", {}, time(ts) + "  " + kind + "  " + JSON.stringify(rest)));
  }
}

function outcome(data) {
  const id = data.order_id || "?";
  let li = document.querySelector('#outcomes li[data-order-id="' + CSS.escape(id) + '"]');
  if (!li) { li = el("li", { "data-order-id": id }); $("#outcomes").append(li); }
  li.dataset.outcome = data.outcome || "";
  const fs = data.final_status;
  const final = !fs ? "" : typeof fs === "string" ? fs : fs.state || "";
  li.textContent = (data.symbol ? data.symbol + " " : "") + id.slice(0, 8) + ": " + (data.outcome || "") + (final && final !== data.outcome ? " (" + final + ")" : "");
}

function onMessage(m) {
  switch (m.type) {
    case "snapshot": renderState(m.state); renderOrders(m.orders); renderFills(m.fills); renderHeart(m.heart); renderCharts(m.charts); break;
    case "state": renderState(m.state); renderCharts(m.charts); if (m.heart) renderHeart(m.heart); if (m.fills) renderFills(m.fills); break;
    case "orders": renderOrders(m.orders); break;
    case "event":
      if (m.kind === "cancel_result") { $("#kill-progress").hidden = false; outcome(m.data); }
      if (selected && (m.data.order_id === selected || m.data.ref_id === selected)) showHistory(selected);
      break;
    case "alert": addAlert(m.alert); break;
    case "kill_switch":
      $("#kill-progress").hidden = false;
      if (m.stage === "halted") $("#kill-stage").textContent = "Halted: submissions refused. Cancelling open orders…";
      if (m.stage === "done" && m.data && m.data.ok) {
        const r = m.data.result;
        for (const x of r.results || []) if (x.order_id) outcome({ order_id: x.order_id, symbol: x.symbol, outcome: x.outcome, final_status: x.final_status });
        $("#kill-stage").textContent = "Kill switch done: " + (r.results || []).length + " orders, " +
          (r.open_orders_remaining >= 0 ? r.open_orders_remaining + " still open at the broker" : "the broker's open orders could not be listed");
      }
      break;
  }
}

function connect() {
  socket = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/live");
  socket.onopen = () => { $("#live").className = "live on"; };
  socket.onmessage = (e) => onMessage(JSON.parse(e.data));
  socket.onclose = () => { $("#live").className = "live off"; setTimeout(connect, 2000); };
}

async function post(path) {
  $("#action-error").hidden = true;
  const res = await fetch(path, { method: "POST", credentials: "same-origin", headers: { [csrf.header]: csrf.value } });
  const doc = res.ok ? await res.json() : { ok: false, error: "HTTP " + res.status };
  if (!doc.ok) { $("#action-error").textContent = doc.error || "refused"; $("#action-error").hidden = false; }
  return doc;
}

async function start() {
  const res = await fetch("/api/snapshot", { credentials: "same-origin" });
  if (!res.ok) { $("#state-badge").textContent = "refused (" + res.status + ")"; return; }
  const snap = await res.json();
  csrf = { header: snap.csrf_header, value: snap.csrf };
  onMessage(Object.assign({ type: "snapshot" }, snap));
  connect();
  $("#kill-switch").addEventListener("click", () => { $("#confirm").hidden = false; });
  $("#confirm-back").addEventListener("click", () => { $("#confirm").hidden = true; });
  $("#confirm-kill").addEventListener("click", async () => {
    $("#confirm").hidden = true;
    $("#outcomes").replaceChildren();
    $("#kill-progress").hidden = false;
    $("#kill-stage").textContent = "Engaging the kill switch…";
    await post("/api/kill-switch");
  });
  $("#resume").addEventListener("click", async () => { await post("/api/resume"); });
  setInterval(() => { for (const td of document.querySelectorAll("td[data-created]")) td.textContent = age(td.dataset.created); }, 1000);
}

start();
