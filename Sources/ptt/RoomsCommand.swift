import ArgumentParser
import PTTClient
import PTTProtocol
import PTTSessionCore

/// `ptt rooms`: the listed rooms of a relay, with member and talker counts.
struct RoomsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rooms",
        abstract: "List a relay's rooms with member and talker counts.",
        discussion: "Rooms whose name starts with _ are unlisted: join them by name."
    )

    @OptionGroup var client: ClientOptions

    @Flag(help: "Print the relay's JSON instead of a table.")
    var json = false

    func run() async throws {
        let relay = try client.relayURL()
        let status: Int, body: [UInt8]
        do {
            (status, body) = try await HTTPFetch.get(relay, path: "/rooms", token: client.token,
                                                     insecureTLS: client.tlsInsecure, trustRootsPEM: client.tlsCA)
        } catch {
            Console.error("\(error)")
            throw ExitCode(1)
        }
        guard status == 200 else {
            Console.error(status == 401 ? SessionCore.httpMessage(401, tokenOrigin: client.tokenOrigin) : "the relay answered HTTP \(status) to /rooms")
            throw ExitCode(1)
        }
        do {
            let rooms = try RoomListing.parse(body)
            Console.write(json ? RoomListing.json(rooms) + "\n" : RoomListing.table(rooms), fd: 1)
        } catch {
            Console.error("the answer to /rooms is not a room list (is \(relay) a ptt relay?)")
            throw ExitCode(1)
        }
    }
}
