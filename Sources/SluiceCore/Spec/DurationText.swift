/// Durations as written in specs: `500ms`, `30s`, `10m`, `24h`, or a bare number of seconds.
public enum DurationText {
    /// The duration, or nil when the text is not one.
    public static func parse(_ text: String) -> Duration? {
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86400)]
        let trimmed = text.trimmingCharacters(in: " ")
        for (suffix, scale) in units where trimmed.hasSuffix(suffix) {
            let number = trimmed.dropLast(suffix.count)
            if let value = Double(number), value >= 0 { return .milliseconds(Int64((value * scale * 1000).rounded())) }
        }
        if let value = Double(trimmed), value >= 0 { return .milliseconds(Int64((value * 1000).rounded())) }
        return nil
    }
}
