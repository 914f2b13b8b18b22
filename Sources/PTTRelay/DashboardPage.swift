/// The dashboard served at `GET /`: who talks how much, per room, refreshed every 2 s from
/// `/stats`. Self-contained (no external scripts, fonts or styles), readable at a glance.
enum DashboardPage {
    static let html = #"""
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ptt — speaking statistics</title>
<style>
  body { font: 15px/1.4 system-ui, sans-serif; margin: 24px; color: #1d2430; background: #f6f7f9; }
  h1 { font-size: 20px; margin: 0 0 4px; }
  .sub { color: #667; margin-bottom: 20px; }
  section { background: #fff; border-radius: 8px; padding: 14px 18px; margin-bottom: 16px; box-shadow: 0 1px 3px rgba(0,0,0,.08); }
  h2 { font-size: 17px; margin: 0 0 10px; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid #eceef2; white-space: nowrap; }
  th { font-weight: 600; color: #556; font-size: 13px; }
  td.num { text-align: right; font-variant-numeric: tabular-nums; }
  .bar { background: #e8ebf0; border-radius: 4px; height: 12px; width: 220px; }
  .bar > div { background: #3b7ddd; height: 12px; border-radius: 4px; }
  .talking { color: #c0392b; font-weight: 600; }
  .away { color: #99a; }
  .empty, .error { color: #667; }
</style>
</head>
<body>
<h1>Speaking statistics</h1>
<div class="sub">Who talks how much, per room. Refreshes every 2 seconds. <span id="updated"></span></div>
<div id="rooms"><p class="empty">Loading…</p></div>
<script>
"use strict";
const token = new URLSearchParams(location.search).get("token");
const statsURL = "stats" + (token ? "?token=" + encodeURIComponent(token) : "");
function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  for (const c of children) e.append(c);
  return e;
}
function seconds(s) {
  if (s < 60) return s.toFixed(1) + " s";
  const m = Math.floor(s / 60);
  return m + " min " + Math.round(s - 60 * m) + " s";
}
function ago(ms) {
  if (!ms) return "—";
  const s = Math.max(0, (Date.now() - ms) / 1000);
  return s < 60 ? Math.round(s) + " s ago" : Math.round(s / 60) + " min ago";
}
function render(data) {
  const root = document.getElementById("rooms");
  root.replaceChildren();
  if (!data.rooms.length) { root.append(el("p", {class: "empty"}, "No rooms yet.")); return; }
  for (const room of data.rooms) {
    const table = el("table", {},
      el("tr", {}, ...["Member", "Share", "", "Talk time", "Spurts", "Average", "Longest", "Last active"].map(h => el("th", {}, h))));
    for (const m of room.members) {
      const bar = el("div", {class: "bar"}, el("div", {style: "width:" + Math.round(100 * m.share) + "%"}));
      const name = el("td", {class: m.talking ? "talking" : (m.present ? "" : "away")},
        m.name + (m.talking ? " (talking)" : "") + (m.listener ? " (listener)" : "") + (m.present ? "" : " (left)"));
      name.setAttribute("data-member", m.name);
      table.append(el("tr", {}, name, el("td", {}, bar), el("td", {class: "num"}, Math.round(100 * m.share) + " %"),
        el("td", {class: "num"}, seconds(m.talk_seconds)), el("td", {class: "num"}, String(m.spurts)),
        el("td", {class: "num"}, seconds(m.average_seconds)), el("td", {class: "num"}, seconds(m.longest_seconds)),
        el("td", {}, ago(m.last_active_ms))));
    }
    root.append(el("section", {"data-room": room.name}, el("h2", {}, "#" + room.name + " — " + seconds(room.talk_seconds) + " of talk"), table));
  }
}
async function refresh() {
  try {
    const r = await fetch(statsURL, {cache: "no-store"});
    if (!r.ok) throw new Error("HTTP " + r.status);
    render(await r.json());
    document.getElementById("updated").textContent = "Updated " + new Date().toLocaleTimeString() + ".";
  } catch (e) {
    document.getElementById("rooms").replaceChildren(el("p", {class: "error"}, "Cannot load statistics: " + e.message));
  }
}
refresh();
setInterval(refresh, 2000);
</script>
</body>
</html>
"""#
}
