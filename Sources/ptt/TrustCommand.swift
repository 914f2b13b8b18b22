import ArgumentParser
import Glibc
import NIOPosix
import PTTClient
import PTTProtocol
import PTTSessionCore

/// `ptt trust wss://HOST:PORT`: trust a relay's certificate by its fingerprint, as ssh asks
/// before it adds a host key. The fingerprint is shown and, unless `--fingerprint` names it,
/// confirmed at a prompt; it is remembered in the known-relays file, and from then on that
/// certificate alone is trusted there (self-signed ones included). A different certificate
/// already remembered is replaced only with `--replace`.
struct TrustCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trust",
        abstract: "Trust a wss:// relay's certificate by its SHA-256 fingerprint (as ssh trusts a host key).",
        discussion: """
            Shows the certificate's fingerprint and asks before remembering it in \
            $XDG_STATE_HOME/ptt/known_relays (~/.local/state/ptt/known_relays). Compare it with \
            the one ptt-relay prints when it starts. --fingerprint trusts only that one, without a \
            question. Other ways to trust a relay: --tls-ca FILE with its certificate or CA.
            """
    )

    @Argument(help: ArgumentHelp("The relay: wss://HOST:PORT (a room after it is ignored).", valueName: "url"))
    var url: String

    @Option(help: ArgumentHelp("The fingerprint you expect (AB:CD:… or hex): trusted if the relay shows it, refused otherwise.", valueName: "sha256"))
    var fingerprint: String?

    @Flag(help: "Replace a different fingerprint remembered for this relay.")
    var replace = false

    func validate() throws {
        let relay = try parsed()
        guard relay.secure else { throw ValidationError("'\(url)' is not a wss:// URL: only TLS relays have certificates to trust") }
        if let fingerprint, KnownRelays.normalise(fingerprint) == nil {
            throw ValidationError("invalid --fingerprint '\(fingerprint)': give the 32 bytes of a SHA-256 fingerprint in hex (AB:CD:…)")
        }
    }

    func parsed() throws -> RelayURL {
        do { return try RelayURL(parsing: url) } catch { throw ValidationError(error.description) }
    }

    func run() async throws {
        let relay = try parsed()
        guard let path = KnownRelaysFile.path() else { throw ValidationError("no HOME or XDG_STATE_HOME: nowhere to remember the relay") }
        var known = try KnownRelaysFile.load(path)
        let address = KnownRelays.address(host: relay.host, port: relay.port)
        let serverHostname = relay.host.first?.isNumber == true || relay.host.contains(":") ? nil : relay.host
        guard let offered = try await RelayTrust.probe(host: relay.host, port: relay.port, serverHostname: serverHostname).get() else {
            Console.error("no TLS certificate from \(address): is a wss:// relay listening there?")
            throw ExitCode(1)
        }
        print("\(address) offers a certificate with SHA-256 fingerprint\n  \(offered)")
        if let remembered = known.fingerprint(for: address) {
            if remembered == offered {
                print("already trusted")
                return
            }
            guard replace else {
                Console.error("a different certificate is trusted for \(address): \(remembered). If the relay really has a new one, run again with --replace")
                throw ExitCode(1)
            }
        }
        if let expected = fingerprint.flatMap(KnownRelays.normalise) {
            guard expected == offered else {
                Console.error("refused: the relay shows \(offered), not the fingerprint given (\(expected))")
                throw ExitCode(1)
            }
        } else {
            guard isatty(0) == 1 else {
                Console.error("not trusted: confirm the fingerprint with --fingerprint \(offered) (no terminal to ask on)")
                throw ExitCode(1)
            }
            print("Is that the relay's fingerprint (ask whoever runs it)? Trust it? [y/N] ", terminator: "")
            fflush(nil)
            guard let answer = readLine(), ["y", "yes"].contains(answer.lowercased().trimmingCharacters(in: .whitespaces)) else {
                print("not trusted")
                throw ExitCode(1)
            }
        }
        known.trust(offered, for: address)
        try KnownRelaysFile.save(known, to: path)
        print("trusted: \(address) \(offered) (in \(path))")
    }
}
