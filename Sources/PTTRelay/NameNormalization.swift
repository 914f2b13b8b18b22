import Foundation
import PTTProtocol

/// Unicode compatibility normalisation (NFKC) for participant names: the one thing the pure
/// cores cannot do themselves (the standard library has no NFKC; Foundation has ICU's).
enum NameNormalization {
    /// `name` in NFKC: "ＡＬＩＣＥ" becomes "ALICE", "ﬁ" becomes "fi".
    @Sendable static func nfkc(_ name: String) -> String {
        name.precomposedStringWithCompatibilityMapping
    }

    /// The key two names are compared by (`Validation.nameSkeleton` with NFKC).
    static func skeleton(_ name: String) -> String {
        Validation.nameSkeleton(name, normalize: nfkc)
    }
}
