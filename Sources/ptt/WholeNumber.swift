import ArgumentParser

/// Whole-number options (`--period-ms`, `--complexity`) read as people and other programs
/// write numbers: `10` or `10.0`; a fraction is refused in words.
enum WholeNumber {
    static func parse(_ text: String, option: String) throws -> Int {
        if let v = Int(text) { return v }
        guard let d = Double(text), d.isFinite else { throw ValidationError("invalid \(option) '\(text)': give a whole number") }
        guard d == d.rounded(), abs(d) < 1e15 else { throw ValidationError("invalid \(option) '\(text)': give a whole number, not a fraction") }
        return Int(d)
    }

    /// `150` for 150.0, `-2.5` for -2.5: how help and messages print a number.
    static func format(_ v: Double) -> String {
        v.isFinite && v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) : "\(v)"
    }
}
