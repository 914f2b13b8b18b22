import CALSA
import Glibc

/// The PCM devices ALSA knows (`snd_device_name_hint`), for `ptt devices` and for error
/// messages about a device that cannot be opened.
public enum DeviceList {
    public static func all() throws(ALSAError) -> [DeviceInfo] {
        ALSAError.silenceLibraryMessages()
        var hints: UnsafeMutablePointer<UnsafeMutableRawPointer?>?
        try ALSAError.check(snd_device_name_hint(-1, "pcm", &hints), "snd_device_name_hint")
        guard let hints else { return [] }
        defer { snd_device_name_free_hint(hints) }
        var out: [DeviceInfo] = []
        var i = 0
        while let hint = hints[i] {
            i += 1
            guard let name = take(snd_device_name_get_hint(hint, "NAME")) else { continue }
            let desc = take(snd_device_name_get_hint(hint, "DESC")) ?? ""
            // IOID is absent for devices that do both.
            let ioid = take(snd_device_name_get_hint(hint, "IOID"))
            let description = desc.split(separator: "\n").map { $0.trimmingSpaces }.joined(separator: " - ")
            out.append(DeviceInfo(name: name, description: description,
                                  capture: ioid == nil || ioid == "Input", playback: ioid == nil || ioid == "Output"))
        }
        return out
    }

    /// Copies and frees a string ALSA allocated.
    private static func take(_ p: UnsafeMutablePointer<CChar>?) -> String? {
        guard let p else { return nil }
        defer { free(p) }
        return String(cString: p)
    }
}

extension Substring {
    var trimmingSpaces: String {
        var s = self
        while s.first == " " { s.removeFirst() }
        while s.last == " " { s.removeLast() }
        return String(s)
    }
}
