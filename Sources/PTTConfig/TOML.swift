/// A value of the TOML subset the relay's `--config` file uses.
public enum TOMLValue: Equatable, Sendable {
    case string(String)
    case integer(Int64)
    /// A float, as written (`150.0`, `-2.5e1`): settings read it as a flag's text would be.
    case float(String)
    case boolean(Bool)
    case array([TOMLValue])
    case table(TOMLTable)

    /// A short name of the value's type, for error messages.
    public var typeName: String {
        switch self {
        case .string: return "a string"
        case .integer: return "an integer"
        case .float: return "a float"
        case .boolean: return "a boolean"
        case .array: return "an array"
        case .table: return "a table"
        }
    }
}

/// A TOML table: keys in file order.
public struct TOMLTable: Equatable, Sendable {
    public private(set) var keys: [String] = []
    private var values: [String: TOMLValue] = [:]
    /// The line each key was defined on, for error messages.
    public private(set) var lines: [String: Int] = [:]

    public init() {}

    public subscript(key: String) -> TOMLValue? { values[key] }

    mutating func set(_ key: String, _ value: TOMLValue, line: Int) {
        if values[key] == nil { keys.append(key) }
        values[key] = value
        lines[key] = line
    }
}

/// A TOML syntax error, with its 1-based line.
public struct TOMLError: Error, Equatable, Sendable, CustomStringConvertible {
    public var line: Int
    public var message: String
    public var description: String { "line \(line): \(message)" }
}

/// Parses the TOML subset the relay needs: comments, `key = value` with basic and literal
/// strings, integers, finite floats (kept as written), booleans and (possibly multi-line) arrays,
/// and `[table]` headers with dotted keys such as `[rooms.standup]`. Not supported (a clear
/// error): inline tables, dates, multi-line strings, arrays of tables.
public enum TOML {
    public static func parse(_ text: String) throws(TOMLError) -> TOMLTable {
        var root = TOMLTable()
        var current: [String] = []
        var definedTables: Set<[String]> = []
        var parser = Scanner(text)
        while !parser.atEnd {
            parser.skipBlank()
            if parser.atEnd { break }
            if parser.peek == "\n" { parser.advance(); continue }
            let line = parser.line
            if parser.peek == "[" {
                parser.advance()
                if parser.peek == "[" { throw TOMLError(line: line, message: "arrays of tables are not supported") }
                let path = try parser.key()
                parser.skipSpaces()
                guard parser.peek == "]" else { throw TOMLError(line: line, message: "expected ] after the table name") }
                parser.advance()
                try parser.endOfLine()
                guard definedTables.insert(path).inserted else {
                    throw TOMLError(line: line, message: "table [\(path.joined(separator: "."))] is defined twice")
                }
                try ensureTable(&root, path, line: line)
                current = path
                continue
            }
            let key = try parser.key()
            parser.skipSpaces()
            guard parser.peek == "=" else { throw TOMLError(line: parser.line, message: "expected = after the key \(key.joined(separator: "."))") }
            parser.advance()
            parser.skipSpaces()
            let value = try parser.value()
            try parser.endOfLine()
            try insert(&root, current + key, value, line: line)
        }
        return root
    }

    private static func ensureTable(_ table: inout TOMLTable, _ path: [String], line: Int) throws(TOMLError) {
        guard let first = path.first else { return }
        var sub: TOMLTable
        switch table[first] {
        case nil: sub = TOMLTable()
        case .table(let t)?: sub = t
        case let other?: throw TOMLError(line: line, message: "\(first) is already \(other.typeName), not a table")
        }
        try ensureTable(&sub, Array(path.dropFirst()), line: line)
        table.set(first, .table(sub), line: table.lines[first] ?? line)
    }

    private static func insert(_ table: inout TOMLTable, _ path: [String], _ value: TOMLValue, line: Int) throws(TOMLError) {
        guard let first = path.first else { return }
        if path.count == 1 {
            if table[first] != nil { throw TOMLError(line: line, message: "the key \(first) is defined twice") }
            table.set(first, value, line: line)
            return
        }
        var sub: TOMLTable
        switch table[first] {
        case nil: sub = TOMLTable()
        case .table(let t)?: sub = t
        case let other?: throw TOMLError(line: line, message: "\(first) is already \(other.typeName), not a table")
        }
        try insert(&sub, Array(path.dropFirst()), value, line: line)
        table.set(first, .table(sub), line: table.lines[first] ?? line)
    }

    /// A cursor over the text's scalars that counts lines.
    struct Scanner {
        let scalars: [Unicode.Scalar]
        var i = 0
        var line = 1

        init(_ text: String) { scalars = Array(text.unicodeScalars) }

        var atEnd: Bool { i >= scalars.count }
        var peek: Unicode.Scalar? { atEnd ? nil : scalars[i] }

        mutating func advance() {
            if peek == "\n" { line += 1 }
            i += 1
        }

        mutating func skipSpaces() { while peek == " " || peek == "\t" { advance() } }

        /// Spaces, comments and line ends.
        mutating func skipBlank() {
            while let c = peek {
                if c == " " || c == "\t" || c == "\r" || c == "\n" { advance() }
                else if c == "#" { while let d = peek, d != "\n" { advance() } }
                else { break }
            }
        }

        mutating func endOfLine() throws(TOMLError) {
            skipSpaces()
            if peek == "#" { while let d = peek, d != "\n" { advance() } }
            if peek == "\r" { advance() }
            guard atEnd || peek == "\n" else {
                throw TOMLError(line: line, message: "unexpected \(quoted(peek)) after the value")
            }
            if !atEnd { advance() }
        }

        static func isBare(_ c: Unicode.Scalar) -> Bool {
            switch c {
            case "A"..."Z", "a"..."z", "0"..."9", "_", "-": return true
            default: return false
            }
        }

        /// A dotted key of bare or quoted parts.
        mutating func key() throws(TOMLError) -> [String] {
            var parts: [String] = []
            while true {
                skipSpaces()
                if peek == "\"" || peek == "'" {
                    parts.append(try string())
                } else {
                    var s = ""
                    while let c = peek, Self.isBare(c) { s.unicodeScalars.append(c); advance() }
                    guard !s.isEmpty else { throw TOMLError(line: line, message: "expected a key, found \(quoted(peek))") }
                    parts.append(s)
                }
                skipSpaces()
                guard peek == "." else { return parts }
                advance()
            }
        }

        mutating func value() throws(TOMLError) -> TOMLValue {
            guard let c = peek else { throw TOMLError(line: line, message: "expected a value at the end of the file") }
            switch c {
            case "\"", "'":
                return .string(try string())
            case "[":
                return try array()
            case "{":
                throw TOMLError(line: line, message: "inline tables are not supported")
            default:
                var word = ""
                while let d = peek, d != " ", d != "\t", d != "\r", d != "\n", d != "#", d != ",", d != "]" {
                    word.unicodeScalars.append(d)
                    advance()
                }
                if word == "true" { return .boolean(true) }
                if word == "false" { return .boolean(false) }
                if let n = Self.integer(word) { return .integer(n) }
                if let f = Self.float(word) { return .float(f) }
                throw TOMLError(line: line, message: word.isEmpty ? "expected a value" : "\(quoted(word)) is not a string, number, boolean or array")
            }
        }

        static func integer(_ word: String) -> Int64? {
            var digits = Substring(word)
            var negative = false
            if digits.first == "+" || digits.first == "-" { negative = digits.first == "-"; digits = digits.dropFirst() }
            guard let f = digits.first, f.isASCII, f.isNumber, !digits.hasPrefix("_"), !digits.hasSuffix("_"), !digits.contains("__") else { return nil }
            if digits.count > 1 && f == "0" { return nil }
            let clean = digits.filter { $0 != "_" }
            guard clean.allSatisfy({ $0.isASCII && $0.isNumber }), let v = Int64(negative ? "-" + clean : clean) else { return nil }
            return v
        }

        /// A finite TOML float (`1.5`, `-0.25`, `3e2`, `1_000.5`), as written without its
        /// underscores; nil for anything else (`inf` and `nan` included: no setting wants them).
        static func float(_ word: String) -> String? {
            let clean = word.filter { $0 != "_" }
            guard clean.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }),
                  clean.allSatisfy({ $0.isASCII && ($0.isNumber || "+-.eE".contains($0)) }),
                  let d = Double(clean), d.isFinite, !clean.hasPrefix("."), !clean.hasSuffix(".") else { return nil }
            return clean
        }

        mutating func array() throws(TOMLError) -> TOMLValue {
            let start = line
            advance()
            var items: [TOMLValue] = []
            while true {
                skipBlank()
                guard let c = peek else { throw TOMLError(line: start, message: "unterminated array") }
                if c == "]" { advance(); return .array(items) }
                items.append(try value())
                skipBlank()
                if atEnd { throw TOMLError(line: start, message: "unterminated array") }
                if peek == "," { advance(); continue }
                guard peek == "]" else { throw TOMLError(line: line, message: "expected , or ] in the array") }
            }
        }

        mutating func string() throws(TOMLError) -> String {
            guard let quote = peek else { throw TOMLError(line: line, message: "expected a string") }
            advance()
            if peek == quote && i + 1 < scalars.count && scalars[i + 1] == quote {
                throw TOMLError(line: line, message: "multi-line strings are not supported")
            }
            var s = ""
            while true {
                guard let c = peek, c != "\n" else { throw TOMLError(line: line, message: "unterminated string") }
                advance()
                if c == quote { return s }
                if c == "\\" && quote == "\"" {
                    guard let e = peek else { throw TOMLError(line: line, message: "unterminated string") }
                    advance()
                    switch e {
                    case "\"": s += "\""
                    case "\\": s += "\\"
                    case "n": s += "\n"
                    case "t": s += "\t"
                    case "r": s += "\r"
                    case "b": s += "\u{8}"
                    case "f": s += "\u{C}"
                    case "u", "U":
                        var hex = ""
                        for _ in 0..<(e == "u" ? 4 : 8) {
                            guard let h = peek, h.properties.isASCIIHexDigit else { throw TOMLError(line: line, message: "bad \\\(e) escape") }
                            hex.unicodeScalars.append(h)
                            advance()
                        }
                        guard let v = UInt32(hex, radix: 16), let scalar = Unicode.Scalar(v) else {
                            throw TOMLError(line: line, message: "bad \\\(e) escape")
                        }
                        s.unicodeScalars.append(scalar)
                    default:
                        throw TOMLError(line: line, message: "unknown escape \\\(e)")
                    }
                } else {
                    s.unicodeScalars.append(c)
                }
            }
        }

        func quoted(_ c: Unicode.Scalar?) -> String {
            guard let c else { return "end of file" }
            return c == "\n" ? "end of line" : "'\(c)'"
        }

        func quoted(_ s: String) -> String { "'\(s)'" }
    }
}
