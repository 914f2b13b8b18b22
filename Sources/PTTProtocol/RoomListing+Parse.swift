extension RoomListing {
    /// Parses a relay's `/rooms` answer. Unknown fields are ignored; a malformed entry is an error.
    public static func parse(_ bytes: [UInt8]) throws(MessageError) -> [RoomListing] {
        let value: JSONValue
        do { value = try JSONValue.parse(bytes) } catch { throw .invalidJSON(error) }
        guard case .object(let o) = value, case .array(let items)? = o["rooms"] else { throw .notAnObject }
        var rooms: [RoomListing] = []
        for item in items {
            guard case .object(let r) = item else { throw .wrongType(type: "rooms", field: "rooms") }
            let f = FieldReader(type: "rooms", object: r)
            let name = try f.string("name")
            guard Validation.isValidRoom(name) else { throw .invalidRoom }
            let floor = Floor(rawValue: (try? f.string("floor")) ?? "open") ?? .open
            rooms.append(RoomListing(name: name, members: Int(try f.int("members", in: 0...Int64(Int32.max))),
                                     talkers: Int(try f.int("talkers", in: 0...Int64(Int32.max))), floor: floor))
        }
        return rooms
    }

    /// A plain table for people: one room per line, aligned, with a header.
    public static func table(_ rooms: [RoomListing]) -> String {
        guard !rooms.isEmpty else { return "no listed rooms\n" }
        let width = max(4, rooms.map(\.name.count).max() ?? 0)
        func pad(_ s: String, _ n: Int) -> String { s + String(repeating: " ", count: max(0, n - s.count)) }
        func left(_ s: String, _ n: Int) -> String { String(repeating: " ", count: max(0, n - s.count)) + s }
        var out = "\(pad("ROOM", width))  MEMBERS  TALKING  FLOOR\n"
        for r in rooms {
            out += "\(pad(r.name, width))  \(left(String(r.members), 7))  \(left(String(r.talkers), 7))  \(r.floor.rawValue)\n"
        }
        return out
    }
}
