/// Durations as a progress line shows them: `42s`, `3m05s`, `1h02m`, `2d03h` (two units at most, so the
/// line does not jump about as the seconds tick).
public enum ProgressDuration {
    /// `seconds` (negative counts as zero) in the largest two units that apply.
    public static func text(_ seconds: Double) -> String {
        let s = seconds.isFinite ? Int(Swift.max(0, seconds).rounded()) : 0
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        if s < 60 { return "\(s)s" }
        if s < 3600 { return "\(s / 60)m\(two(s % 60))s" }
        if s < 86_400 { return "\(s / 3600)h\(two(s % 3600 / 60))m" }
        return "\(s / 86_400)d\(two(s % 86_400 / 3600))h"
    }
}
