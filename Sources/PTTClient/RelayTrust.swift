import Crypto
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL
import PTTSessionCore
import Synchronization

/// Trust in a `wss://` relay's certificate, in words people can act on.
///
/// A relay whose certificate the system (or `--tls-ca`) trusts is verified as usual. One whose
/// certificate fingerprint was pinned (`ptt trust`, the file `KnownRelays` describes) is trusted
/// by that fingerprint alone, and any other certificate there is refused as changed. When
/// verification fails, a second handshake only reads the certificate offered, so the message can
/// show its SHA-256 fingerprint and how to trust it.
public enum RelayTrust {
    /// SHA-256 of the certificate's DER encoding, as `AB:CD:…`.
    public static func fingerprint(_ certificate: NIOSSLCertificate) -> String? {
        guard let der = try? certificate.toDERBytes() else { return nil }
        return KnownRelays.format(SHA256.hash(data: der))
    }

    /// Whether a handshake failed because the certificate could not be verified (not a
    /// protocol or network failure). BoringSSL says so only in its error's text.
    static func isVerificationFailure(_ error: any Error) -> Bool {
        guard error is NIOSSLError || error is BoringSSLError else { return false }
        let text = String(describing: error)
        return text.contains("CERTIFICATE_VERIFY_FAILED") || text.contains("certificate verify failed")
            || text.contains("unableToValidateCertificate")
    }

    public static func untrustedMessage(url: String, address: String, fingerprint: String?) -> String {
        var m = "the relay's TLS certificate at \(address) is not trusted (self-signed, or its issuer is not one this machine trusts)"
        if let fingerprint {
            m += ". Its SHA-256 fingerprint is \(fingerprint). If that is the relay's (ask whoever runs it: ptt-relay prints it when it starts), "
                + "trust it with: ptt trust \(url) --fingerprint \(fingerprint)"
        } else {
            m += ". Trust it with: ptt trust \(url)"
        }
        return m + " — or pass --tls-ca FILE with its certificate or its CA."
    }

    public static func changedMessage(url: String, address: String, remembered: String, presented: String?) -> String {
        "THE RELAY'S TLS CERTIFICATE AT \(address) HAS CHANGED: trusted \(remembered), now \(presented ?? "unreadable"). "
            + "Someone may be intercepting the connection, or the relay got a new certificate. Nothing was sent. "
            + "If you know it changed, check the new fingerprint with whoever runs the relay and run: ptt trust \(url) --replace"
    }

    /// The fingerprint of the certificate offered at `host:port`, by a handshake that verifies
    /// nothing and goes no further (nil when no TLS handshake could be had in `timeout`).
    public static func probe(host: String, port: Int, serverHostname: String?, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
                             timeout: TimeAmount = .seconds(5)) -> EventLoopFuture<String?> {
        let loop = group.next()
        let seen = NIOLockedValueBox<String?>(nil)
        let context: NIOSSLContext
        do {
            context = try NIOSSLContext(configuration: TLSConfiguration.makeClientConfiguration())
        } catch {
            return loop.makeSucceededFuture(nil)
        }
        return ClientBootstrap(group: loop)
            .connectTimeout(timeout)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let handler = try NIOSSLClientHandler(context: context, serverHostname: serverHostname) { certificates, promise in
                        seen.withLockedValue { $0 = certificates.first.flatMap(fingerprint) }
                        promise.succeed(NIOSSLVerificationResult.failed)
                    }
                    try channel.pipeline.syncOperations.addHandler(handler)
                    try channel.pipeline.syncOperations.addHandler(CloseOnError())
                }
            }
            .connect(host: host, port: port)
            .flatMap { channel in
                channel.eventLoop.scheduleTask(in: timeout) { channel.close(promise: nil) }
                return channel.closeFuture.map { seen.withLockedValue { $0 } }
            }
            .flatMapErrorWithEventLoop { _, loop in loop.makeSucceededFuture(seen.withLockedValue { $0 }) }
    }

    /// A handler that trusts exactly the certificate with `pinned` fingerprint; what was offered
    /// instead lands in `presented`.
    static func pinnedHandler(context: NIOSSLContext, serverHostname: String?, pinned: String,
                              presented: NIOLockedValueBox<String?>) throws -> NIOSSLClientHandler {
        try NIOSSLClientHandler(context: context, serverHostname: serverHostname) { certificates, promise in
            let offered = certificates.first.flatMap(fingerprint)
            presented.withLockedValue { $0 = offered }
            promise.succeed(offered == pinned ? .certificateVerified : .failed)
        }
    }
}

/// Closes the probe's channel once its handshake has failed.
final class CloseOnError: ChannelInboundHandler, Sendable {
    typealias InboundIn = Any
    func errorCaught(context: ChannelHandlerContext, error: any Error) { context.close(promise: nil) }
}
