import PTTProtocol

/// The timeline of a room as an inline SVG picture: one lane per member, a bar for each spurt
/// of the last `window` (the one under way in the talking colour), time running left to right
/// up to now. Server-side markup: the dashboard needs no script to draw it.
extension SpeakingStats.RoomReport {
    public static let laneColour = "#1f8a70"
    public static let talkingColour = "#c0392b"

    /// The lanes drawn: members present or heard within the window.
    public func timelineMembers() -> [SpeakingStats.MemberReport] {
        members.filter { $0.present || !$0.timeline.isEmpty }
    }

    public func timelineSVG(now: UInt64, window: UInt64 = 600 * .second) -> String {
        let width = 760, label = 150, plot = width - label - 10, lane = 18, gap = 6, axis = 22
        let lanes = timelineMembers()
        let height = max(1, lanes.count) * (lane + gap) + axis
        let from = now > window ? now - window : 0
        func x(_ t: UInt64) -> Double {
            let clamped = min(max(t, from), now)
            return Double(label) + Double(plot) * Double(clamped - from) / Double(max(1, window))
        }
        func f(_ v: Double) -> String { String(Double((v * 10).rounded()) / 10) }
        var svg = #"<svg class="timeline" xmlns="http://www.w3.org/2000/svg" width="\#(width)" height="\#(height)" viewBox="0 0 \#(width) \#(height)" role="img" aria-label="Who talked when in the last \#(window / (60 * .second)) minutes">"#
        for (i, m) in lanes.enumerated() {
            let y = i * (lane + gap)
            let name = Markup.escape(m.name)
            svg += #"<g class="lane" data-member="\#(name)" data-id="\#(m.id)">"#
            svg += ##"<text x="\##(label - 8)" y="\##(y + lane - 4)" text-anchor="end" font-size="13" fill="#1d2430">\##(name)</text>"##
            svg += ##"<rect class="lane-bg" x="\##(label)" y="\##(y)" width="\##(plot)" height="\##(lane)" rx="3" fill="#e8ebf0"/>"##
            for (k, s) in m.timeline.enumerated() where s.end >= from {
                let running = m.talking && k == m.timeline.count - 1
                let x0 = x(s.start), x1 = max(x(s.end), x0 + 4)
                let length = Markup.seconds(Double(s.end - min(s.start, s.end)) / 1e9)
                svg += #"<rect class="spurt\#(running ? " talking" : "")" x="\#(f(x0))" y="\#(y + 2)" width="\#(f(x1 - x0))" height="\#(lane - 4)" rx="2" fill="\#(running ? Self.talkingColour : Self.laneColour)"><title>\#(name): \#(length)</title></rect>"#
            }
            svg += "</g>"
        }
        let minutes = Int(window / (60 * .second))
        let step = minutes > 5 ? 2 : 1
        let top = lanes.count * (lane + gap)
        svg += ##"<g class="axis" font-size="11" fill="#667">"##
        for m in stride(from: minutes, through: 0, by: -step) {
            let t = now > UInt64(m) * 60 * .second ? now - UInt64(m) * 60 * .second : 0
            let anchor = m == 0 ? "end" : (m == minutes ? "start" : "middle")
            svg += #"<text x="\#(f(x(t)))" y="\#(top + 14)" text-anchor="\#(anchor)">\#(m == 0 ? "now" : "−\(m) min")</text>"#
        }
        svg += "</g></svg>"
        return svg
    }
}
