/// One room as `GET /rooms` lists it.
public struct RoomListing: Equatable, Sendable {
    public var name: String
    public var members: Int
    public var talkers: Int
    public var floor: Floor

    public init(name: String, members: Int, talkers: Int, floor: Floor) {
        self.name = name
        self.members = members
        self.talkers = talkers
        self.floor = floor
    }

    /// Rooms whose name starts with `_` are unlisted.
    public var isListed: Bool { !name.hasPrefix("_") }

    /// `{"rooms":[{"name":…,"members":…,"talkers":…,"floor":…}]}` for the listed rooms, by name.
    public static func json(_ rooms: [RoomListing]) -> String {
        let items: [JSONValue] = rooms.filter(\.isListed).sorted { $0.name < $1.name }.map {
            .object(JSONObject([("name", .string($0.name)), ("members", .int(Int64($0.members))),
                                ("talkers", .int(Int64($0.talkers))), ("floor", .string($0.floor.rawValue))]))
        }
        return JSONValue.object(JSONObject([("rooms", .array(items))])).jsonText
    }
}
