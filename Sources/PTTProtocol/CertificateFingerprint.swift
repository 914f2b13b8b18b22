/// How a TLS certificate's SHA-256 fingerprint is written, by the relay that prints it and the
/// client that shows and pins it: 32 hex pairs, upper case, joined by `:` (as
/// `openssl x509 -fingerprint -sha256` prints it).
public enum CertificateFingerprint {
    public static func format(_ digest: some Sequence<UInt8>) -> String {
        let hex = Array("0123456789ABCDEF")
        return digest.map { String([hex[Int($0 >> 4)], hex[Int($0 & 15)]]) }.joined(separator: ":")
    }
}
