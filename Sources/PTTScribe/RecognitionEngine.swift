/// A speech recognizer that takes one utterance at a time: 16 kHz mono samples in, words out.
///
/// Called on one thread at a time (the engine's own queue); `begin`, any number of `feed`, then
/// `finish`. `partial()` may be asked between feeds.
public protocol RecognitionEngine: AnyObject {
    /// How transcripts name it: `pocketsphinx`, or `cmd:` and the command's first word.
    var name: String { get }
    func begin() throws(RecognizerError)
    func feed(_ samples: [Int16]) throws(RecognizerError)
    /// The best guess so far, when the engine can say one mid-utterance.
    func partial() -> String?
    /// Ends the utterance: its words (empty when nothing was recognized).
    func finish() throws(RecognizerError) -> String
}

/// Which recognizer a scribe uses, and how to make one engine of it.
public enum RecognizerChoice: Sendable {
    /// PocketSphinx with the model files in `model`.
    case pocketSphinx(PocketSphinxModel)
    /// A command run per spurt through `/bin/sh -c`, killed after `timeout` nanoseconds.
    case command(String, timeout: UInt64)

    public func makeEngine() throws(RecognizerError) -> any RecognitionEngine {
        switch self {
        case .pocketSphinx(let model): return try PocketSphinxEngine(model: model)
        case .command(let command, let timeout): return CommandEngine(command: command, timeout: timeout)
        }
    }

    /// How transcripts name it.
    public var name: String {
        switch self {
        case .pocketSphinx: return "pocketsphinx"
        case .command(let command, _): return "cmd:" + (command.split(separator: " ").first.map(String.init) ?? command)
        }
    }
}
