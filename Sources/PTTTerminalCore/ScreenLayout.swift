/// Lays a ``ScreenModel`` out on a screen of a given size: pure, so every row can be tested
/// without a terminal.
///
/// At 6 rows or more: header (room, relay, connection, round trip), a body with the roster and
/// the chat log (side by side from 60 columns, stacked below), the microphone meter, the status
/// line (talk state first, so it survives narrow screens) and the key help or the chat editor.
/// Smaller screens drop the meter, then the body, then the header; a single row shows the editor
/// when chat is open, else the status line. Everything is truncated to the width; meaning never
/// depends on colour alone (TALKING is a word, talkers are marked with `>`).
public enum ScreenLayout {
    /// From this width the roster and the chat sit side by side.
    public static let sideBySideWidth = 60
    /// What precedes the chat line being typed.
    public static let chatPrompt = "say> "

    public static func render(_ model: ScreenModel, width: Int, height: Int) -> RenderedScreen {
        let width = max(0, width)
        let height = max(0, height)
        var screen = RenderedScreen(width: width, height: height, rows: [], cursor: nil)
        guard width > 0, height > 0 else { return screen }

        let bottom = bottomRow(model, width: width)
        let status = statusRow(model, width: width)
        var rows: [ScreenRow]
        switch height {
        case 1:
            rows = [model.editor != nil ? bottom.row : status]
        case 2:
            rows = [status, bottom.row]
        case 3:
            rows = [headerRow(model, width: width), status, bottom.row]
        case 4, 5:
            let body = bodyRows(model, width: width, height: height - 3)
            rows = [headerRow(model, width: width)] + body + [status, bottom.row]
        default:
            let body = bodyRows(model, width: width, height: height - 4)
            rows = [headerRow(model, width: width)] + body + [micRow(model, width: width), status, bottom.row]
        }
        if model.helpVisible, height >= 3 {
            overlayHelp(model, on: &rows, top: 1, bottom: height - 2, width: width)
        }
        screen.rows = rows
        if let column = bottom.cursorColumn, model.editor != nil {
            screen.cursor = .init(row: height - 1, column: column)
        }
        return screen
    }

    // MARK: rows

    /// Builds one row, cutting text at the width.
    struct RowBuilder {
        let width: Int
        var used = 0
        var runs: [TextRun] = []

        init(width: Int) { self.width = width }

        var remaining: Int { width - used }

        /// Adds `text` as far as it fits, its controls shown as U+FFFD (`InertText`).
        mutating func add(_ text: String, _ style: TextStyle = [], _ color: ColorRole = .normal) {
            guard remaining > 0, !text.isEmpty else { return }
            let cut = DisplayWidth.prefix(InertText.of(text), fitting: remaining)
            guard !cut.isEmpty else { return }
            used += DisplayWidth.of(cut)
            if let last = runs.last, last.style == style, last.color == color {
                runs[runs.count - 1].text += cut
            } else {
                runs.append(TextRun(cut, style: style, color: color))
            }
        }

        /// Pads with spaces up to `column` (or the width).
        mutating func pad(to column: Int? = nil, _ style: TextStyle = [], _ color: ColorRole = .normal) {
            let target = min(column ?? width, width)
            if target > used { add(String(repeating: " ", count: target - used), style, color) }
        }

        var row: ScreenRow { ScreenRow(runs) }
    }

    static func connectionText(_ c: ScreenModel.Connection) -> (String, ColorRole) {
        switch c {
        case .connecting: return ("connecting", .warning)
        case .connected: return ("connected", .accent)
        case .reconnecting(let s, let attempt): return ("reconnecting in \(s) s (attempt \(attempt))", .warning)
        case .disconnected(let reason): return ("disconnected: \(reason)", .error)
        }
    }

    static func headerRow(_ m: ScreenModel, width: Int) -> ScreenRow {
        var b = RowBuilder(width: width)
        let bar: TextStyle = .reverse
        b.add(" ptt ", [.reverse, .bold])
        b.add(" #\(m.room) ", [.reverse, .bold])
        let (conn, color) = connectionText(m.connection)
        b.add(" " + conn, bar, color)
        if let rtt = m.roundTripMilliseconds, m.connection == .connected {
            b.add("  rtt \(rtt) ms", bar)
        }
        if !m.relayURL.isEmpty { b.add("  " + m.relayURL, bar) }
        b.pad(bar)
        return b.row
    }

    static func talkText(_ m: ScreenModel) -> (String, TextStyle, ColorRole) {
        switch m.talkState {
        case .talking: return (" TALKING ", [.bold, .reverse], .talking)
        case .denied(let reason): return (" denied: \(reason) ", [.bold], .error)
        case .busy(let holder): return (holder.map { " busy: \($0) is talking " } ?? " busy ", [.bold], .warning)
        case .listenOnly: return (" listen-only ", [.bold], .warning)
        case .idle where m.micMuted:
            return (" MIC OFF (m) ", [.bold], .warning)
        case .idle:
            switch m.talkMode {
            case .hold: return (" hold space to talk ", [], .normal)
            case .toggle: return (" press space to talk ", [], .normal)
            case .vox: return (" voice activated ", [], .normal)
            case .open: return (" open mic ", [], .normal)
            }
        }
    }

    static func statusRow(_ m: ScreenModel, width: Int) -> ScreenRow {
        var b = RowBuilder(width: width)
        let (talk, style, color) = talkText(m)
        b.add(talk, style, color)
        if case .reconnecting(let s, _) = m.connection {
            b.add(" reconnecting in \(s) s ", [.bold], .warning)
        } else if case .disconnected = m.connection {
            b.add(" disconnected ", [.bold], .error)
        }
        if m.micMuted, m.talkState != .idle { b.add(" MIC OFF ", [.bold], .warning) }
        if m.muted { b.add(" DEAFENED ", [.bold], .warning) }
        b.add("| mode \(m.talkMode.rawValue) ")
        if m.talkMode == .hold || m.talkMode == .toggle {
            b.add("| \(m.holdMethod.label) ")
        }
        if let id = m.selectedID, let picked = m.members.first(where: { $0.id == id }) {
            b.add("| \(picked.name): ", [.bold])
            b.add(picked.silenced ? "silenced " : "vol \(picked.volumePercent)% ", [.bold])
        }
        b.add("| vol \(m.volumePercent)% ")
        if let notice = m.notice { b.add("| \(notice) ", [], .warning) }
        b.pad()
        return b.row
    }

    static func micRow(_ m: ScreenModel, width: Int) -> ScreenRow {
        var b = RowBuilder(width: width)
        guard let db = m.micLevelDBFS else {
            b.add(" mic  none", [.dim])
            return b.row
        }
        let clamped = min(0, max(-60, db))
        let rounded = (clamped * 10).rounded() / 10
        let number = rounded == rounded.rounded() ? "\(Int(rounded)).0" : "\(rounded)"
        let label = " mic " + String(repeating: " ", count: max(0, 6 - number.count)) + number + " dBFS "
        b.add(label)
        let barWidth = min(30, max(0, b.remaining - 2))
        if barWidth > 0 {
            let filled = Int(((clamped + 60) / 60 * Double(barWidth)).rounded())
            b.add("[")
            b.add(String(repeating: "#", count: filled), [.bold], clamped > -6 ? .error : .talking)
            b.add(String(repeating: "-", count: barWidth - filled), [.dim])
            b.add("]")
        }
        return b.row
    }

    static let keyHelp = "space talk  m mic  d deafen  tab pick  +/- vol  enter chat  ? help  q quit"

    static func bottomRow(_ m: ScreenModel, width: Int) -> (row: ScreenRow, cursorColumn: Int?) {
        var b = RowBuilder(width: width)
        guard let editor = m.editor else {
            b.add(" " + keyHelp, [.dim])
            return (b.row, nil)
        }
        b.add(chatPrompt, [.bold], .accent)
        // Scroll horizontally so the cursor stays visible.
        let room = max(1, width - DisplayWidth.of(chatPrompt) - 1)
        let chars = editor.scalars.map { Character($0) }
        var start = 0
        func span(_ from: Int, _ to: Int) -> Int { chars[from..<to].reduce(0) { $0 + DisplayWidth.of($1) } }
        while span(start, editor.cursor) > room - 1, start < editor.cursor { start += 1 }
        let visible = String(chars[start...])
        let column = b.used + span(start, editor.cursor)
        b.add(visible)
        return (b.row, min(column, width - 1))
    }

    // MARK: body

    static func bodyRows(_ m: ScreenModel, width: Int, height: Int) -> [ScreenRow] {
        guard height > 0 else { return [] }
        if width >= sideBySideWidth {
            let rosterWidth = min(32, max(24, width / 3))
            let roster = rosterRows(m, width: rosterWidth - 1, height: height)
            let chat = chatRows(m, width: width - rosterWidth - 1, height: height)
            return (0..<height).map { i in
                var runs = roster[i].runs
                var b = RowBuilder(width: rosterWidth - 1)
                b.runs = runs
                b.used = DisplayWidth.of(roster[i].text)
                b.pad()
                runs = b.runs + [TextRun("|", style: .dim), TextRun(" ")] + chat[i].runs
                return ScreenRow(runs)
            }
        }
        // Stacked: the roster gets up to half, the chat the rest.
        let rosterNeed = 1 + m.members.count * (m.statsVisible ? 2 : 1)
        let rosterHeight = min(rosterNeed, max(1, height / 2))
        let chatHeight = height - rosterHeight
        return rosterRows(m, width: width, height: rosterHeight) + chatRows(m, width: width, height: chatHeight)
    }

    static func rosterRows(_ m: ScreenModel, width: Int, height: Int) -> [ScreenRow] {
        var title = RowBuilder(width: width)
        title.add(" Room (\(m.members.count))", [.bold, .underline])
        let barWidth = 8
        var blocks: [[ScreenRow]] = []
        for member in m.members {
            var rows: [ScreenRow] = []
            var b = RowBuilder(width: width)
            if member.talking {
                b.add(" > ", [.bold], .talking)
            } else {
                b.add("   ")
            }
            let tag = tagText(member)
            let tail = member.talking ? barWidth : max(barWidth, min(DisplayWidth.of(tag), width - 10))
            let nameWidth = max(1, width - 3 - tail - 1)
            let name = member.name + (member.isSelf ? " (you)" : "")
            let picked = member.id == m.selectedID && !member.isSelf
            if picked {
                // Picked for +/- and x: reversed, and marked with `*` for screens without attributes.
                b.runs.removeAll()
                b.used = 0
                b.add(member.talking ? ">>" : " *", [.bold], member.talking ? .talking : .accent)
                b.add(" ")
            }
            var nameStyle: TextStyle = member.talking ? .bold : []
            if picked { nameStyle.insert(.reverse) }
            b.add(DisplayWidth.prefix(name, fitting: nameWidth), nameStyle, member.talking ? .talking : .normal)
            b.pad(to: 3 + nameWidth + 1)
            if member.talking {
                var bar = barWidth
                if member.directToMe {
                    b.add("→ you ", [.bold], .talking)
                    bar = max(0, barWidth - 6)
                }
                let filled = Int((min(1, max(0, member.level)) * Double(bar)).rounded())
                b.add(String(repeating: "#", count: filled), [], .talking)
                b.add(String(repeating: ".", count: bar - filled), [.dim])
            } else if !tag.isEmpty {
                b.add(tag, [.dim])
            }
            rows.append(b.row)
            if m.statsVisible {
                var s = RowBuilder(width: width)
                let jitter = member.jitterMilliseconds.map { "jit \($0) ms" } ?? "jit -"
                let loss = member.lossPercent.map { "loss \(formatPercent($0))" } ?? "loss -"
                s.add("     \(jitter)  \(loss)", [.dim])
                rows.append(s.row)
            }
            blocks.append(rows)
        }
        // Members that do not fit are counted on a last row.
        var rows = [title.row]
        let total = blocks.reduce(0) { $0 + $1.count }
        if total <= height - 1 {
            rows += blocks.flatMap { $0 }
        } else {
            var shown = 0
            while shown < blocks.count, rows.count + blocks[shown].count <= height - 1 {
                rows += blocks[shown]
                shown += 1
            }
            var more = RowBuilder(width: width)
            more.add("   +\(blocks.count - shown) more", [.dim])
            rows.append(more.row)
        }
        return fit(rows, height: height)
    }

    /// What the roster shows after a member's name when it is not talking: whether we silenced
    /// it or changed its volume, whether its microphone is off, whether it only listens.
    static func tagText(_ member: ScreenModel.Member) -> String {
        if member.silenced { return "silenced" }
        var parts: [String] = []
        if member.op { parts.append("op") }
        if member.mutedByOperator { parts.append("muted by op") }
        if member.volumePercent != 100 { parts.append("\(member.volumePercent)%") }
        // A listener never talks: its microphone does not matter.
        if member.listener { parts.append("listen") } else if member.micMuted { parts.append("mic off") }
        return parts.joined(separator: " ")
    }

    static func formatPercent(_ p: Double) -> String {
        let tenths = Int((p * 10).rounded())
        return "\(tenths / 10).\(abs(tenths % 10))%"
    }

    static func chatRows(_ m: ScreenModel, width: Int, height: Int) -> [ScreenRow] {
        guard height > 0 else { return [] }
        var title = RowBuilder(width: width)
        title.add(" Chat", [.bold, .underline])
        guard height > 1, width > 0 else { return fit([title.row], height: height) }
        // Newest at the bottom: wrap messages from the newest back until the space is full.
        var lines: [ScreenRow] = []
        for line in m.chat.reversed() {
            let wrapped = wrap(line, width: width)
            lines.insert(contentsOf: wrapped, at: 0)
            if lines.count >= height - 1 { break }
        }
        let shown = Array(lines.suffix(height - 1))
        return fit([title.row] + shown, height: height)
    }

    /// A chat message as rows: `time sender: text`, continuation lines indented. A caption is
    /// `time sender ~ text`, the name in the talking colour and the words underlined: what was
    /// said, as a recognizer heard it.
    static func wrap(_ line: ScreenModel.ChatLine, width: Int) -> [ScreenRow] {
        let head = line.time + " "
        // Measured as shown: controls become placeholders one column wide.
        let who = line.sender.isEmpty ? "* " : InertText.of(line.sender) + (line.caption ? " ~ " : ": ")
        let textStyle: TextStyle = line.sender.isEmpty ? [.dim] : line.caption ? [.underline] : []
        let indent = min(DisplayWidth.of(head), max(0, width / 3))
        var rows: [ScreenRow] = []
        var b = RowBuilder(width: width)
        b.add(head, [.dim])
        b.add(who, line.sender.isEmpty ? [.dim] : [.bold], line.sender.isEmpty ? .normal : line.caption ? .talking : .accent)
        var words = Array(InertText.of(line.text).split(separator: " ", omittingEmptySubsequences: false).map(String.init))
        var first = true
        while !words.isEmpty {
            let word = words[0]
            let w = DisplayWidth.of(word) + (first ? 0 : 1)
            if w <= b.remaining {
                b.add((first ? "" : " ") + word, textStyle)
                words.removeFirst()
                first = false
            } else if b.used <= indent || DisplayWidth.of(word) > width - indent {
                // A word longer than a line: cut it.
                let part = DisplayWidth.prefix((first ? "" : " ") + word, fitting: b.remaining)
                b.add(part, textStyle)
                let consumed = part.count - (first ? 0 : 1)
                words[0] = String(word.dropFirst(max(1, consumed)))
                if words[0].isEmpty { words.removeFirst() }
                rows.append(b.row)
                b = RowBuilder(width: width)
                b.pad(to: indent)
                first = true
            } else {
                rows.append(b.row)
                b = RowBuilder(width: width)
                b.pad(to: indent)
                first = true
            }
        }
        rows.append(b.row)
        return rows
    }

    /// Exactly `height` rows: cut, or padded with empty rows.
    static func fit(_ rows: [ScreenRow], height: Int) -> [ScreenRow] {
        if rows.count >= height { return Array(rows.prefix(height)) }
        return rows + Array(repeating: ScreenRow(), count: height - rows.count)
    }

    // MARK: help

    static func helpLines(_ m: ScreenModel) -> [String] {
        [
            "Keys",
            "space   hold to talk (toggle: press to latch)",
            "enter   chat: enter sends, esc cancels",
            "m       mute the microphone (any mode)",
            "d       deafen: mute the speakers",
            "tab     pick a member (also up/down)",
            "+ -     volume: the picked member's, else all",
            "x       silence the picked member",
            "esc     close this help, or drop the pick",
            "r       hear the last spurt again (R: pick one)",
            "t       talk mode: hold, toggle, vox, open",
            "s       jitter and loss per member",
            "c       captions on or off (from a scribe)",
            "w       talk to the picked member alone (w again: all)",
            "?       close this help (also esc, q)",
            "q       quit (also ctrl+c)",
            "talk key release: \(m.holdMethod.label)",
        ]
    }

    /// Draws the help box centered over rows `top..<bottom`.
    static func overlayHelp(_ m: ScreenModel, on rows: inout [ScreenRow], top: Int, bottom: Int, width: Int) {
        let lines = helpLines(m)
        let inner = min(lines.map { DisplayWidth.of($0) }.max() ?? 0, max(0, width - 4))
        let boxWidth = inner + 4
        let available = bottom - top
        guard available >= 3, boxWidth <= width, inner > 0 else { return }
        let shown = Array(lines.prefix(available - 2))
        let boxHeight = shown.count + 2
        let firstRow = top + (available - boxHeight) / 2
        let left = (width - boxWidth) / 2
        let border = "+" + String(repeating: "-", count: boxWidth - 2) + "+"
        var boxRows = [border]
        for line in shown {
            let cut = DisplayWidth.prefix(line, fitting: inner)
            boxRows.append("| " + cut + String(repeating: " ", count: inner - DisplayWidth.of(cut)) + " |")
        }
        boxRows.append(border)
        for (i, text) in boxRows.enumerated() {
            let r = firstRow + i
            guard r < rows.count else { break }
            rows[r] = splice(rows[r], at: left, text: text, style: i == 1 ? [.bold, .reverse] : [.reverse], width: width)
        }
    }

    /// Replaces the columns `at..<at+width(text)` of a row with `text`.
    static func splice(_ row: ScreenRow, at column: Int, text: String, style: TextStyle, width: Int) -> ScreenRow {
        var b = RowBuilder(width: width)
        var col = 0
        // Keep runs before the box.
        outer: for run in row.runs {
            for c in run.text {
                let w = DisplayWidth.of(c)
                if col + w > column { break outer }
                b.add(String(c), run.style, run.color)
                col += w
            }
        }
        b.pad(to: column)
        b.add(text, style, .accent)
        let end = b.used
        // Keep what follows the box, unless only a fragment of it would show.
        guard width - end >= 3 else { return b.row }
        var after = RowBuilder(width: width)
        var c2 = 0
        for run in row.runs {
            for c in run.text {
                let w = DisplayWidth.of(c)
                if c2 >= end { after.add(String(c), run.style, run.color) }
                c2 += w
            }
        }
        for run in after.runs { b.add(run.text, run.style, run.color) }
        return b.row
    }
}
