import PTTProtocol

/// One recognized spurt as a transcript's JSON line:
/// `{"room":"standup","id":17,"name":"alice","start":"2026-12-07T09:30:01.250Z","end":"…","text":"…","recognizer":"pocketsphinx"}`.
public struct TranscriptLine: Equatable, Sendable {
    public var room: String
    public var id: UInt32
    public var name: String
    /// ISO 8601 UTC times of the spurt's first and last frame.
    public var start: String
    public var end: String
    public var text: String
    public var recognizer: String

    public init(room: String, id: UInt32, name: String, start: String, end: String, text: String, recognizer: String) {
        self.room = room
        self.id = id
        self.name = name
        self.start = start
        self.end = end
        self.text = text
        self.recognizer = recognizer
    }

    /// The line, ending in a newline.
    public var jsonLine: String {
        JSONValue.object(JSONObject([
            ("room", .string(room)), ("id", .int(Int64(id))), ("name", .string(name)),
            ("start", .string(start)), ("end", .string(end)), ("text", .string(text)),
            ("recognizer", .string(recognizer)),
        ])).jsonText + "\n"
    }

    /// The transcript file of a room on a day (`yyyy-mm-dd`), under the transcripts directory:
    /// `ROOM/DATE/transcript.jsonl`, next to a relay's recordings of that room and day.
    public static func relativePath(room: String, date: String) -> String { "\(room)/\(date)/transcript.jsonl" }
}
