import CPocketSphinx

/// A recognizer's failure: a PocketSphinx call's, or an engine command's.
public struct RecognizerError: Error, Equatable, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }

    /// The one funnel for PocketSphinx's return codes: a negative result is a failure of `call`.
    @discardableResult
    static func check(_ result: Int32, _ call: String) throws(RecognizerError) -> Int32 {
        guard result >= 0 else { throw RecognizerError("\(call) failed (\(result))") }
        return result
    }
}
