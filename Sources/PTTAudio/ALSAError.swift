import CALSA

/// Every ALSA failure, from one place: `ALSAError.check` turns a return code into this.
public struct ALSAError: Error, Equatable, Sendable, CustomStringConvertible {
    /// ALSA's negative errno-style code.
    public var code: Int32
    /// The call that failed.
    public var call: String
    /// The device the call was about, if any.
    public var device: String?

    public init(code: Int32, call: String, device: String? = nil) {
        self.code = code
        self.call = call
        self.device = device
    }

    /// ALSA's own text for the code.
    public var reason: String {
        guard let text = snd_strerror(code) else { return "error \(code)" }
        return String(cString: text)
    }

    public var description: String {
        if let device { return "ALSA: \(call) on '\(device)' failed: \(reason)" }
        return "ALSA: \(call) failed: \(reason)"
    }

    /// The funnel: returns `result` when it is not an error code, throws otherwise.
    @discardableResult
    public static func check(_ result: Int32, _ call: @autoclosure () -> String, device: String? = nil) throws(ALSAError) -> Int32 {
        guard result >= 0 else { throw ALSAError(code: result, call: call(), device: device) }
        return result
    }

    /// Installs, once per process, the handler that keeps "ALSA lib ..." lines off stderr.
    public static func silenceLibraryMessages() {
        _ = calsa_silence_errors()
    }

    /// How many library messages were kept off stderr so far.
    public static var suppressedMessages: UInt { UInt(calsa_suppressed_messages()) }
}
