import Crypto
import PTTProtocol

/// The relay's certificate fingerprint as clients show it: SHA-256 of the DER.
enum KnownFingerprint {
    static func sha256(_ der: [UInt8]) -> String { CertificateFingerprint.format(SHA256.hash(data: der)) }
}
