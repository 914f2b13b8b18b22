import Glibc
import CPocketSphinx
import Synchronization

/// Where PocketSphinx's model files are: Debian's `pocketsphinx-en-us` by default.
public struct PocketSphinxModel: Equatable, Sendable {
    public var acousticModel: String
    public var languageModel: String
    public var dictionary: String

    public init(acousticModel: String, languageModel: String, dictionary: String) {
        self.acousticModel = acousticModel
        self.languageModel = languageModel
        self.dictionary = dictionary
    }

    public static let debianDirectory = "/usr/share/pocketsphinx/model/en-us"
    /// US English from Debian's `pocketsphinx-en-us`.
    public static let debianEnglish = PocketSphinxModel(
        acousticModel: "\(debianDirectory)/en-us", languageModel: "\(debianDirectory)/en-us.lm.bin",
        dictionary: "\(debianDirectory)/cmudict-en-us.dict")

    /// The first of the model's files that is missing, if any.
    public var missingFile: String? {
        [acousticModel + "/mdef", languageModel, dictionary].first { access($0, R_OK) != 0 }
    }
}

/// PocketSphinx as a `RecognitionEngine`: one decoder, fed as the spurt goes on.
public final class PocketSphinxEngine: RecognitionEngine {
    public let name = "pocketsphinx"
    private let config: OpaquePointer
    private let decoder: OpaquePointer
    private var inUtterance = false

    /// The library's log is silenced once per process, before the first decoder.
    private static let silenced: Bool = {
        cps_silence_log()
        return true
    }()
    /// Loading a model reads global tables in the library: one load at a time.
    private static let loading = Mutex(())

    /// Loads the model (about 0.4 s and 30 MB for Debian's English).
    public init(model: PocketSphinxModel) throws(RecognizerError) {
        if let missing = model.missingFile {
            throw RecognizerError("the recognizer's model file \(missing) is missing (Debian: apt install pocketsphinx-en-us)")
        }
        _ = Self.silenced
        let made: (OpaquePointer, OpaquePointer)? = Self.loading.withLock { _ in
            guard let config = cps_config(model.acousticModel, model.languageModel, model.dictionary) else { return nil }
            guard let decoder = ps_init(config) else {
                cmd_ln_free_r(config)
                return nil
            }
            return (config, decoder)
        }
        guard let (config, decoder) = made else {
            throw RecognizerError("PocketSphinx could not load its model from \(model.acousticModel)")
        }
        self.config = config
        self.decoder = decoder
    }

    deinit {
        if inUtterance { ps_end_utt(decoder) }
        ps_free(decoder)
        cmd_ln_free_r(config)
    }

    public func begin() throws(RecognizerError) {
        if inUtterance { ps_end_utt(decoder) }
        try RecognizerError.check(ps_start_utt(decoder), "ps_start_utt")
        inUtterance = true
    }

    public func feed(_ samples: [Int16]) throws(RecognizerError) {
        guard inUtterance, !samples.isEmpty else { return }
        let result = samples.withUnsafeBufferPointer { buffer -> Int32 in
            guard let base = buffer.baseAddress else { return -1 }
            return cps_process(decoder, base, buffer.count)
        }
        try RecognizerError.check(result, "ps_process_raw")
    }

    public func partial() -> String? {
        guard inUtterance else { return nil }
        return hypothesis()
    }

    public func finish() throws(RecognizerError) -> String {
        guard inUtterance else { return "" }
        inUtterance = false
        try RecognizerError.check(ps_end_utt(decoder), "ps_end_utt")
        return hypothesis() ?? ""
    }

    private func hypothesis() -> String? {
        var score: Int32 = 0
        guard let text = ps_get_hyp(decoder, &score) else { return nil }
        return String(cString: text)
    }
}
