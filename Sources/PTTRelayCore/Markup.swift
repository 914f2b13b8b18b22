/// Text for HTML and SVG: what a name typed by anyone becomes inside markup.
public enum Markup {
    /// `text` with `& < > " '` as character references: safe in element text and in quoted
    /// attribute values.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for c in text.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    /// A length in seconds for people: "0.4 s", "12.0 s", "3 min 5 s".
    public static func seconds(_ s: Double) -> String {
        if s < 60 {
            let tenths = Int((s * 10).rounded())
            return "\(tenths / 10).\(tenths % 10) s"
        }
        let whole = Int(s.rounded())
        return "\(whole / 60) min \(whole % 60) s"
    }
}
