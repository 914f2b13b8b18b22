import COpus

/// Every libopus failure, from one place: `OpusError.check` turns a return code into this.
public struct OpusError: Error, Equatable, Sendable, CustomStringConvertible {
    /// libopus' negative error code.
    public var code: Int32
    /// The call that failed, for the message.
    public var call: String

    public init(code: Int32, call: String) {
        self.code = code
        self.call = call
    }

    /// libopus' own text for the code.
    public var reason: String {
        guard let text = opus_strerror(code) else { return "error \(code)" }
        return String(cString: text)
    }

    public var description: String { "opus: \(call) failed: \(reason) (\(code))" }

    /// The funnel: returns `result` when it is not an error code, throws otherwise.
    @discardableResult
    public static func check(_ result: Int32, _ call: @autoclosure () -> String) throws(OpusError) -> Int32 {
        guard result >= 0 else { throw OpusError(code: result, call: call()) }
        return result
    }
}
