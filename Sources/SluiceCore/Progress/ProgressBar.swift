/// A progress bar of a fixed number of terminal cells: `█` done, `░` to do, an eighth block at the edge.
///
/// Every character is one cell wide and none is a control character, so the bar's width is its `count`.
public enum ProgressBar {
    private static let eighths: [Character] = ["▏", "▎", "▍", "▌", "▋", "▊", "▉"]

    /// The bar for `fraction` (clamped to 0...1) in `width` cells; nil (total unknown) draws an empty bar.
    public static func render(fraction: Double?, width: Int) -> String {
        guard width > 0 else { return "" }
        let clamped = Swift.min(Swift.max(fraction ?? 0, 0), 1)
        // Rounded down: a bar is full only when the work is, never at 99.9 %.
        let filled = Int((clamped * Double(width * 8)).rounded(.down))
        let full = filled / 8
        var bar = String(repeating: "█", count: full)
        if full < width {
            let part = filled % 8
            if part > 0 { bar.append(eighths[part - 1]) }
            bar += String(repeating: "░", count: width - full - (part > 0 ? 1 : 0))
        }
        return bar
    }
}
