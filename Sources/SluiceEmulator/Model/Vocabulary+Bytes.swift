extension Vocabulary {
    /// The words as UTF-8, for writing answers straight into byte buffers.
    static let wordBytes: [[UInt8]] = words.map { Array($0.utf8) }

    /// Appends what `text(minLength:maxLength:random:)` returns, with the same draws, without a `String`.
    ///
    /// The words are ASCII, so the `String`'s character count is its byte count and its cuts are byte cuts.
    static func appendText(minLength: Int, maxLength: Int, random: inout SplitMix64, into out: inout [UInt8]) {
        let upper = max(0, maxLength)
        let lower = min(max(0, minLength), upper)
        guard upper > 0 else { return }
        let floor = max(lower, min(upper, 3))
        let target = random.int(in: floor...max(floor, min(upper, lower + 40)))
        let start = out.count
        while out.count - start < target {
            if out.count > start { out.append(UInt8(ascii: " ")) }
            out.append(contentsOf: random.pick(wordBytes))
        }
        if out.count - start > target {
            out.removeLast(out.count - start - target)
            while out.count > start && out[out.count - 1] == UInt8(ascii: " ") && out.count - start > lower {
                out.removeLast()
            }
        }
        while out.count - start < lower { out.append(UInt8(ascii: "x")) }
    }
}
