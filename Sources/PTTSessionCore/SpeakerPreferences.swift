import PTTProtocol

/// The volume and mute a listener set for each person, by name, kept for the next call.
///
/// Stored as one JSON object, `{"alice":{"volume":80,"muted":false}, ...}`, under the XDG state
/// directory (the shell reads and writes the file). Volume is a percentage of the speaker's
/// level, 0...200 in steps of 10, as the master volume. Names are the names people joined with;
/// a person keeps their settings across calls and rooms. At most `capacity` names are kept (the
/// most recently changed), so the file stays small.
public struct SpeakerPreferences: Equatable, Sendable {
    public struct Setting: Equatable, Sendable {
        public var volumePercent: Int
        public var muted: Bool

        public init(volumePercent: Int = 100, muted: Bool = false) {
            self.volumePercent = volumePercent
            self.muted = muted
        }

        public var isDefault: Bool { self == Setting() }
    }

    public static let volumeRange = 0...200
    public static let volumeStep = 10
    public static let capacity = 500

    /// Oldest change first.
    public private(set) var entries: [(name: String, setting: Setting)] = []

    public init() {}

    public static func == (a: SpeakerPreferences, b: SpeakerPreferences) -> Bool {
        a.entries.elementsEqual(b.entries) { $0.name == $1.name && $0.setting == $1.setting }
    }

    public subscript(name: String) -> Setting {
        entries.last { $0.name == name }?.setting ?? Setting()
    }

    /// Sets `name`'s setting (a default one is forgotten rather than stored).
    public mutating func set(_ setting: Setting, for name: String) {
        entries.removeAll { $0.name == name }
        if !setting.isDefault { entries.append((name, setting)) }
        if entries.count > Self.capacity { entries.removeFirst(entries.count - Self.capacity) }
    }

    /// `name`'s volume moved by `steps` of 10 %, within 0...200 %.
    public mutating func changeVolume(of name: String, by steps: Int) -> Setting {
        var s = self[name]
        s.volumePercent = min(Self.volumeRange.upperBound, max(Self.volumeRange.lowerBound, s.volumePercent + steps * Self.volumeStep))
        set(s, for: name)
        return s
    }

    public mutating func toggleMuted(_ name: String) -> Setting {
        var s = self[name]
        s.muted.toggle()
        set(s, for: name)
        return s
    }

    // MARK: The file

    public var json: String {
        let object = JSONObject(entries.map { entry in
            (entry.name, JSONValue.object(JSONObject([("volume", .int(Int64(entry.setting.volumePercent))), ("muted", .bool(entry.setting.muted))])))
        })
        return JSONValue.object(object).jsonText + "\n"
    }

    public enum ParseError: Error, Equatable, CustomStringConvertible {
        case notJSON(String)
        case notAnObject
        case badEntry(String)

        public var description: String {
            switch self {
            case .notJSON(let why): return "not JSON (\(why))"
            case .notAnObject: return "not a JSON object of names"
            case .badEntry(let name): return "the entry for '\(name)' is not {\"volume\": 0...200, \"muted\": true|false}"
            }
        }
    }

    /// Reads the file's text; bad entries make the whole file refused (the caller says so and
    /// starts afresh rather than guess).
    public static func parse(_ bytes: [UInt8]) throws(ParseError) -> SpeakerPreferences {
        let value: JSONValue
        do { value = try JSONValue.parse(bytes) } catch { throw .notJSON("\(error)") }
        guard case .object(let object) = value else { throw .notAnObject }
        var prefs = SpeakerPreferences()
        for (name, entry) in object.entries {
            guard case .object(let o) = entry, case .int(let volume)? = o["volume"],
                  volumeRange.contains(Int(clamping: volume)), case .bool(let muted)? = o["muted"] else { throw .badEntry(name) }
            prefs.set(Setting(volumePercent: Int(volume), muted: muted), for: name)
        }
        return prefs
    }
}
