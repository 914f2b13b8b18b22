import ArgumentParser
import PTTAudio

/// `ptt devices`: the capture and playback devices ALSA knows, with descriptions.
struct DevicesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "devices",
        abstract: "List capture and playback devices.",
        discussion: "Use a name with --input (capture) or --output (playback)."
    )

    func run() throws {
        let devices: [DeviceInfo]
        do {
            devices = try DeviceList.all()
        } catch {
            throw ValidationError("cannot list audio devices: \(error)")
        }
        for (title, list) in [("Capture devices (--input):", devices.filter(\.capture)),
                              ("Playback devices (--output):", devices.filter(\.playback))] {
            print(title)
            if list.isEmpty { print("  (none)") }
            for d in list {
                print("  \(d.name)")
                if !d.description.isEmpty { print("      \(d.description)") }
            }
        }
    }
}
