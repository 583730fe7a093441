/// Exact sliding-window counts over arrival times, the proof of a client's request rate.
enum ArrivalWindows {
    /// The windows `GET /_emulator/stats` reports under `realtime.max_in_window`, by name.
    static let reported: [(name: String, nanoseconds: Int64)] = [
        ("1s", 1_000_000_000), ("10s", 10_000_000_000), ("60s", 60_000_000_000),
    ]

    /// The most arrivals in any window `[t, t + length)`, over every real `t`; `sorted` ascending (nanoseconds).
    ///
    /// Exact, not bucketed: the fullest window can be taken to start at an arrival, so a two-pointer scan
    /// over the arrivals finds it in one pass. Two arrivals exactly `length` apart are never in one window.
    static func maxInWindow(_ sorted: [Int64], length: Int64) -> Int {
        guard length > 0 else { return 0 }
        var best = 0
        var start = 0
        for end in sorted.indices {
            while sorted[end] - sorted[start] >= length { start += 1 }
            best = max(best, end - start + 1)
        }
        return best
    }
}
