import CSpeexDSP

/// Every speexdsp failure, from one place: `SpeexError.check` turns a return code into this.
/// speexdsp reports little: a state it could not create, and -1 from `speex_preprocess_ctl`
/// for a request the library does not know (AGC in a fixed-point build, for one).
public struct SpeexError: Error, Equatable, Sendable, CustomStringConvertible {
    /// speexdsp's return code (-1 for every failure it reports).
    public var code: Int32
    /// The call that failed, for the message.
    public var call: String

    public init(code: Int32, call: String) {
        self.code = code
        self.call = call
    }

    public var description: String { "speexdsp: \(call) failed (\(code))" }

    /// The funnel: returns `result` when it is not an error code, throws otherwise.
    @discardableResult
    public static func check(_ result: Int32, _ call: @autoclosure () -> String) throws(SpeexError) -> Int32 {
        guard result >= 0 else { throw SpeexError(code: result, call: call()) }
        return result
    }
}
