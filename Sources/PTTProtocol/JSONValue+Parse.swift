/// Why a byte string is not acceptable JSON.
public enum JSONParseError: Error, Equatable, Sendable {
    case invalidUTF8
    case unexpectedEnd
    case unexpectedByte(offset: Int)
    case invalidEscape(offset: Int)
    case loneSurrogate(offset: Int)
    case invalidNumber(offset: Int)
    case tooDeep
    case trailingData(offset: Int)
}

extension JSONValue {
    /// Deepest nesting accepted; control messages are flat, so this only stops abuse.
    public static let maxDepth = 32

    /// Parses exactly one JSON value from UTF-8 bytes (RFC 8259), strictly:
    /// invalid UTF-8, control characters in strings and escaped lone surrogates are errors.
    public static func parse(_ bytes: some Collection<UInt8>) throws(JSONParseError) -> JSONValue {
        let array = Array(bytes)
        var parser = JSONParser(bytes: array)
        return try parser.parseDocument()
    }

    /// Parses a Swift string as a JSON document.
    public static func parse(_ text: String) throws(JSONParseError) -> JSONValue {
        try parse(Array(text.utf8))
    }
}

struct JSONParser {
    let bytes: [UInt8]
    var i = 0

    init(bytes: [UInt8]) { self.bytes = bytes }

    mutating func parseDocument() throws(JSONParseError) -> JSONValue {
        skipSpace()
        let v = try parseValue(depth: 0)
        skipSpace()
        guard i == bytes.count else { throw .trailingData(offset: i) }
        return v
    }

    mutating func skipSpace() {
        while i < bytes.count {
            switch bytes[i] {
            case 0x20, 0x09, 0x0A, 0x0D: i += 1
            default: return
            }
        }
    }

    func peek() throws(JSONParseError) -> UInt8 {
        guard i < bytes.count else { throw .unexpectedEnd }
        return bytes[i]
    }

    mutating func expect(_ literal: StaticString) throws(JSONParseError) {
        let start = i
        for b in UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount) {
            guard i < bytes.count else { throw .unexpectedEnd }
            guard bytes[i] == b else { throw .unexpectedByte(offset: start) }
            i += 1
        }
    }

    mutating func parseValue(depth: Int) throws(JSONParseError) -> JSONValue {
        guard depth < JSONValue.maxDepth else { throw .tooDeep }
        switch try peek() {
        case UInt8(ascii: "{"): return .object(try parseObject(depth: depth + 1))
        case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expect("true"); return .bool(true)
        case UInt8(ascii: "f"): try expect("false"); return .bool(false)
        case UInt8(ascii: "n"): try expect("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        default: throw .unexpectedByte(offset: i)
        }
    }

    mutating func parseObject(depth: Int) throws(JSONParseError) -> JSONObject {
        i += 1
        var object = JSONObject()
        skipSpace()
        if try peek() == UInt8(ascii: "}") { i += 1; return object }
        while true {
            skipSpace()
            guard try peek() == UInt8(ascii: "\"") else { throw .unexpectedByte(offset: i) }
            let key = try parseString()
            skipSpace()
            guard try peek() == UInt8(ascii: ":") else { throw .unexpectedByte(offset: i) }
            i += 1
            skipSpace()
            object[key] = try parseValue(depth: depth)
            skipSpace()
            switch try peek() {
            case UInt8(ascii: ","): i += 1
            case UInt8(ascii: "}"): i += 1; return object
            default: throw .unexpectedByte(offset: i)
            }
        }
    }

    mutating func parseArray(depth: Int) throws(JSONParseError) -> JSONValue {
        i += 1
        var items: [JSONValue] = []
        skipSpace()
        if try peek() == UInt8(ascii: "]") { i += 1; return .array(items) }
        while true {
            skipSpace()
            items.append(try parseValue(depth: depth))
            skipSpace()
            switch try peek() {
            case UInt8(ascii: ","): i += 1
            case UInt8(ascii: "]"): i += 1; return .array(items)
            default: throw .unexpectedByte(offset: i)
            }
        }
    }

    mutating func parseNumber() throws(JSONParseError) -> JSONValue {
        let start = i
        var isInteger = true
        if bytes[i] == UInt8(ascii: "-") { i += 1 }
        guard i < bytes.count else { throw .unexpectedEnd }
        if bytes[i] == UInt8(ascii: "0") {
            i += 1
        } else if isDigit(bytes[i]) {
            while i < bytes.count, isDigit(bytes[i]) { i += 1 }
        } else {
            throw .invalidNumber(offset: start)
        }
        if i < bytes.count, bytes[i] == UInt8(ascii: ".") {
            isInteger = false
            i += 1
            guard i < bytes.count, isDigit(bytes[i]) else { throw .invalidNumber(offset: start) }
            while i < bytes.count, isDigit(bytes[i]) { i += 1 }
        }
        if i < bytes.count, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
            isInteger = false
            i += 1
            if i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
            guard i < bytes.count, isDigit(bytes[i]) else { throw .invalidNumber(offset: start) }
            while i < bytes.count, isDigit(bytes[i]) { i += 1 }
        }
        // Only ASCII was consumed, so this cannot fail.
        let text = String(decoding: bytes[start..<i], as: UTF8.self)
        if isInteger, let value = Int64(text) { return .int(value) }
        return .number(text)
    }

    func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }

    mutating func parseString() throws(JSONParseError) -> String {
        i += 1
        var out: [UInt8] = []
        var runStart = i
        while true {
            guard i < bytes.count else { throw .unexpectedEnd }
            let b = bytes[i]
            if b == UInt8(ascii: "\"") {
                out.append(contentsOf: bytes[runStart..<i])
                i += 1
                break
            }
            if b < 0x20 { throw .unexpectedByte(offset: i) }
            if b == UInt8(ascii: "\\") {
                out.append(contentsOf: bytes[runStart..<i])
                try parseEscape(into: &out)
                runStart = i
                continue
            }
            i += 1
        }
        guard let s = String(validating: out, as: UTF8.self) else { throw .invalidUTF8 }
        return s
    }

    mutating func parseEscape(into out: inout [UInt8]) throws(JSONParseError) {
        let at = i
        i += 1
        guard i < bytes.count else { throw .unexpectedEnd }
        let c = bytes[i]
        i += 1
        switch c {
        case UInt8(ascii: "\""): out.append(0x22)
        case UInt8(ascii: "\\"): out.append(0x5C)
        case UInt8(ascii: "/"): out.append(0x2F)
        case UInt8(ascii: "b"): out.append(0x08)
        case UInt8(ascii: "f"): out.append(0x0C)
        case UInt8(ascii: "n"): out.append(0x0A)
        case UInt8(ascii: "r"): out.append(0x0D)
        case UInt8(ascii: "t"): out.append(0x09)
        case UInt8(ascii: "u"):
            let unit = try parseHex4(escapeAt: at)
            var scalarValue = UInt32(unit)
            if (0xD800...0xDBFF).contains(unit) {
                guard i + 1 < bytes.count, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") else {
                    throw .loneSurrogate(offset: at)
                }
                i += 2
                let low = try parseHex4(escapeAt: at)
                guard (0xDC00...0xDFFF).contains(low) else { throw .loneSurrogate(offset: at) }
                scalarValue = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
            } else if (0xDC00...0xDFFF).contains(unit) {
                throw .loneSurrogate(offset: at)
            }
            guard let scalar = Unicode.Scalar(scalarValue) else { throw .invalidEscape(offset: at) }
            out.append(contentsOf: Array(String(Character(scalar)).utf8))
        default:
            throw .invalidEscape(offset: at)
        }
    }

    mutating func parseHex4(escapeAt: Int) throws(JSONParseError) -> UInt16 {
        guard i + 4 <= bytes.count else { throw .unexpectedEnd }
        var v: UInt16 = 0
        for _ in 0..<4 {
            let b = bytes[i]
            let d: UInt8
            switch b {
            case 0x30...0x39: d = b - 0x30
            case 0x41...0x46: d = b - 0x41 + 10
            case 0x61...0x66: d = b - 0x61 + 10
            default: throw .invalidEscape(offset: escapeAt)
            }
            v = v << 4 | UInt16(d)
            i += 1
        }
        return v
    }
}
