/// Secret comparison whose running time does not depend on where the inputs differ.
public enum ConstantTime {
    /// Whether `a` equals `b`, looking at every byte of `a` whatever `b` is
    /// (only the secrets' lengths can leak, not their contents).
    public static func equals(_ a: some Collection<UInt8>, _ b: some Collection<UInt8>) -> Bool {
        var diff = UInt(bitPattern: a.count ^ b.count)
        var bi = b.makeIterator()
        for x in a {
            diff |= UInt(x ^ (bi.next() ?? 0))
        }
        return diff == 0
    }

    /// Whether `candidate` equals any of `secrets`, comparing with every one of them.
    public static func matchesAny(_ candidate: String, _ secrets: [String]) -> Bool {
        var found = false
        for s in secrets {
            let match = equals(s.utf8, candidate.utf8)
            found = found || match
        }
        return found
    }
}
