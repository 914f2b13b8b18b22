import PTTRelayCore

/// The dashboard served at `GET /`: who talks how much and when, per room, the most recently
/// active room first. Rendered on the relay (tables and an SVG timeline, no script), reloaded
/// every 2 s by the page itself; self-contained (no external scripts, fonts or styles), so a
/// strict Content-Security-Policy (`policy`) holds.
enum DashboardPage {
    /// Allows the page's inline styles and nothing else: no scripts, no requests.
    static let policy = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

    static func html(rooms: [SpeakingStats.RoomReport], now: UInt64, window: UInt64) -> String {
        var body = ""
        if rooms.isEmpty { body = #"<p class="empty">No rooms yet.</p>"# }
        for room in rooms { body += section(room, now: now, window: window) }
        return head + body + "\n</body>\n</html>\n"
    }

    static func section(_ room: SpeakingStats.RoomReport, now: UInt64, window: UInt64) -> String {
        let name = Markup.escape(room.name)
        var s = #"<section data-room="\#(name)"><h2>#\#(name) — \#(Markup.seconds(room.talkSeconds)) of talk"#
            + #" <span class="when">active \#(ago(room.idleNanos))</span></h2>"#
        s += "<table><tr>" + ["Member", "Share", "", "Talk time", "Spurts", "Average", "Longest", "Last active"].map { "<th>\($0)</th>" }.joined() + "</tr>"
        for m in room.members {
            let pct = Int((100 * m.share).rounded())
            let cls = m.talking ? "talking" : (m.present ? "" : "away")
            let label = Markup.escape(m.name) + (m.talking ? " (talking)" : "") + (m.listener ? " (listener)" : "") + (m.present ? "" : " (left)")
            s += #"<tr><td class="\#(cls)" data-member="\#(Markup.escape(m.name))" data-id="\#(m.id)">\#(label)</td>"#
            s += #"<td><div class="bar"><div style="width:\#(pct)%"></div></div></td><td class="num">\#(pct) %</td>"#
            s += #"<td class="num">\#(Markup.seconds(m.talkSeconds))</td><td class="num">\#(m.spurts)</td>"#
            s += #"<td class="num">\#(Markup.seconds(m.averageSeconds))</td><td class="num">\#(Markup.seconds(m.longestSeconds))</td>"#
            s += "<td>\(ago(m.idleNanos))</td></tr>"
        }
        s += "</table>"
        s += #"<h3>Who talked when, last \#(window / 60_000_000_000) minutes</h3>"#
        s += room.timelineSVG(now: now, window: window)
        return s + "</section>\n"
    }

    /// "now", "12 s ago", "3 min ago".
    static func ago(_ nanos: UInt64) -> String {
        let s = nanos / 1_000_000_000
        if s < 1 { return "now" }
        return s < 60 ? "\(s) s ago" : "\((s + 30) / 60) min ago"
    }

    static let head = #"""
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="2">
<title>ptt — speaking statistics</title>
<style>
  body { font: 15px/1.4 system-ui, sans-serif; margin: 24px; color: #1d2430; background: #f6f7f9; }
  h1 { font-size: 20px; margin: 0 0 4px; }
  .sub { color: #667; margin-bottom: 20px; }
  section { background: #fff; border-radius: 8px; padding: 14px 18px; margin-bottom: 16px; box-shadow: 0 1px 3px rgba(0,0,0,.08); }
  h2 { font-size: 17px; margin: 0 0 10px; }
  h2 .when { font-size: 13px; font-weight: normal; color: #667; }
  h3 { font-size: 14px; font-weight: 600; color: #556; margin: 14px 0 6px; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid #eceef2; white-space: nowrap; }
  th { font-weight: 600; color: #556; font-size: 13px; }
  td.num { text-align: right; font-variant-numeric: tabular-nums; }
  .bar { background: #e8ebf0; border-radius: 4px; height: 12px; width: 220px; }
  .bar > div { background: #3b7ddd; height: 12px; border-radius: 4px; }
  .talking { color: #c0392b; font-weight: 600; }
  .away { color: #99a; }
  .empty { color: #667; }
  svg.timeline { display: block; max-width: 100%; height: auto; font-family: system-ui, sans-serif; }
</style>
</head>
<body>
<h1>Speaking statistics</h1>
<div class="sub">Who talks how much and when, per room, the most recently active first. Refreshes every 2 seconds.</div>

"""#
}
