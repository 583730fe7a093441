/// The running count behind `TokenEstimator`: fed one Unicode scalar at a time (or eight plain ASCII bytes at
/// a time), it counts the features the estimate weighs (words and their letters, digit groups, space runs, ...)
/// and weighs them at the end.
///
/// Staging counts every request's tokens as it renders them, from the line's bytes (issue 8: reading the chunks
/// back to count them was a third of a 1M-row `process`'s CPU), so the count works on bytes, UTF-8 or JSON
/// string content, without building a `String` or an array of scalars, and keeps integer counts in its loop.
/// Weighing the counts at the end adds the same terms as weighing each run as it ends, grouped differently:
/// the two agree to floating-point rounding (tested against the run-by-run count).
///
/// Each feature is counted at the scalar that decides it (a word at its first letter, a digit group at its
/// first digit, a space run at its second space, a newline run at its first newline), never at a run's end:
/// that is what lets `add(window:lanes:)` count eight bytes from masks of their classes, with no loop over runs.
struct TokenTally {
    private enum Run: UInt8 { case none, letters, cyrillic, digits, spaces }

    /// The class of the last scalar, how long its run is so far, and whether a space run holds a newline.
    private var run = Run.none
    private var length = 0
    private var newline = false

    // The features, as counts.
    private var words = 0
    private var wordCharacters = 0
    private var extendedLatinLetters = 0
    private var cyrillicWords = 0
    private var cyrillicLetters = 0
    private var digitGroups = 0
    private var punctuation = 0
    private var newlineRuns = 0
    private var spaceRuns = 0
    private var cjk = 0
    private var otherBytes = 0

    /// Adds an ASCII scalar: branches on the byte's value only.
    @inline(__always)
    mutating func add(ascii b: UInt8) {
        if Self.isLetter(b) {
            letter()
        } else if b &- 0x30 < 10 {
            let position = run == .digits ? length : 0
            digitGroups &+= position % 3 == 0 ? 1 : 0
            (run, length) = (.digits, position + 1)
        } else if b == 0x20 || b == 0x09 || b == 0x0D {
            let position = run == .spaces ? length : 0
            if position == 0 { newline = false }
            spaceRuns &+= position == 1 && !newline ? 1 : 0
            (run, length) = (.spaces, position + 1)
        } else if b == 0x0A {
            let position = run == .spaces ? length : 0
            if position == 0 || !newline {
                // The run becomes a newline run; counted as a space run already (two long), it is no longer one.
                newlineRuns &+= 1
                spaceRuns &-= position >= 2 ? 1 : 0
            }
            newline = true
            (run, length) = (.spaces, position + 1)
        } else {
            punctuation &+= 1
            run = .none
        }
    }

    /// Adds any scalar.
    mutating func add(_ v: UInt32) {
        if v < 0x80 { return add(ascii: UInt8(v)) }
        switch v {
        case 0x3000...0x30FF, 0x4E00...0x9FFF, 0xAC00...0xD7AF, 0xFF00...0xFFEF:
            cjk &+= 1
            run = .none
        case 0x80...0x24F where LatinLetters.contains(v):
            letter()
            extendedLatinLetters &+= 1
        case 0x370...0x52F:
            cyrillicWords &+= run == .cyrillic ? 0 : 1
            cyrillicLetters &+= 1
            run = .cyrillic
        default:
            otherBytes &+= v < 0x800 ? 2 : v < 0x10000 ? 3 : 4
            run = .none
        }
    }

    @inline(__always)
    private mutating func letter() {
        words &+= run == .letters ? 0 : 1
        wordCharacters &+= 1
        run = .letters
    }

    /// The estimate once every scalar is in.
    func finish() -> Double {
        typealias E = TokenEstimator
        var total = E.perWord * Double(words) + E.perWordCharacter * Double(wordCharacters)
        total += E.perExtendedLatinLetter * Double(extendedLatinLetters) + E.perDigitGroup * Double(digitGroups)
        total += E.perPunctuation * Double(punctuation) + E.perNewlineRun * Double(newlineRuns)
        total += E.perSpaceRun * Double(spaceRuns) + E.perCJK * Double(cjk)
        total += E.perCyrillicLetter * Double(cyrillicLetters) + E.perCyrillicWord * Double(cyrillicWords)
        return total + E.perOtherByte * Double(otherBytes)
    }

    @inline(__always)
    static func isLetter(_ b: UInt8) -> Bool { (b | 0x20) &- 0x61 < 26 }

    /// The high bit of each byte of `word` that `add(window:lanes:)` cannot take: non-ASCII, a control
    /// character (tab and newline included: JSON content has them escaped) and with `json` a backslash.
    @inline(__always)
    static func unusual(_ word: UInt64, json: Bool) -> UInt64 {
        let low7 = word & 0x7F7F_7F7F_7F7F_7F7F
        let controls = ~(low7 &+ 0x6060_6060_6060_6060)  // high bit: below 0x20
        var stops = (word | controls) & highs
        if json {
            let x = word ^ 0x5C5C_5C5C_5C5C_5C5C
            stops |= ~(((x & 0x7F7F_7F7F_7F7F_7F7F) &+ 0x7F7F_7F7F_7F7F_7F7F) | x) & highs
        }
        return stops
    }

    /// Adds the first `lanes` (1...8) bytes of `word` (lane 0 first), none of them `unusual`: the counts
    /// `add(ascii:)` makes byte by byte, from masks of the bytes' classes. A feature's deciding byte is a mask
    /// test against the lanes before it (`m << 8`: the lane before, `m << 16`: two before), the run in
    /// progress standing in for lanes before the window; spaces here are U+0020 only.
    @inline(__always)
    mutating func add(window word: UInt64, lanes: Int) {
        let valid = lanes == 8 ? Self.highs : Self.highs & ((1 << UInt64(8 * lanes)) &- 1)
        let letters = ~Self.notLetters(word) & valid
        let digits = (word &+ 0x5050_5050_5050_5050) & ~(word &+ 0x4646_4646_4646_4646) & valid
        let spaces = ~(word &+ 0x5F5F_5F5F_5F5F_5F5F) & valid  // below 0x21 and not a control: U+0020

        let afterLetter: UInt64 = run == .letters ? 0x80 : 0
        words &+= Self.lanes(letters & ~(letters << 8 | afterLetter))
        wordCharacters &+= Self.lanes(letters)
        punctuation &+= Self.lanes(valid & ~(letters | digits | spaces))

        // A space run counts at its second space, unless the run already counted (two long, or a newline run).
        let afterSpace: UInt64 = run == .spaces ? 0x80 : 0
        let spaceCounted: UInt64 = run == .spaces && (length >= 2 || newline) ? 0x80 : 0
        let twoBefore = spaces << 16 | afterSpace << 8 | spaceCounted
        spaceRuns &+= Self.lanes(spaces & (spaces << 8 | afterSpace) & ~twoBefore)

        if digits != 0 { addDigitGroups(digits, valid: valid) }

        // The run reaching the last lane goes on into what follows.
        let last: UInt64 = 0x80 << UInt64(8 * (lanes - 1))
        let (kind, open): (Run, UInt64) =
            letters & last != 0 ? (.letters, letters)
            : digits & last != 0 ? (.digits, digits) : spaces & last != 0 ? (.spaces, spaces) : (.none, 0)
        let others = valid & ~open
        if others == 0 && run == kind {
            length += lanes
        } else {
            length = others == 0 ? lanes : lanes - 1 - (63 - others.leadingZeroBitCount) >> 3
            newline = false
        }
        run = kind
    }

    /// Digit groups of the digit runs in a window (`digits`, within `valid`): a run counts at its digits
    /// 0, 3, 6, ... counted from the run's start, which may lie before the window.
    @inline(__always)
    private mutating func addDigitGroups(_ digits: UInt64, valid: UInt64) {
        var rest = digits
        while rest != 0 {
            let start = rest.trailingZeroBitCount >> 3
            let after = valid & ~digits & (~0 as UInt64) << UInt64(8 * start)
            let end = after == 0 ? (64 - valid.leadingZeroBitCount) >> 3 : after.trailingZeroBitCount >> 3
            let before = start == 0 && run == .digits ? length : 0
            digitGroups &+= (before + end - start + 2) / 3 - (before + 2) / 3
            rest &= (~0 as UInt64) << UInt64(8 * end)
        }
    }

    /// The high bit of every byte.
    static var highs: UInt64 { 0x8080_8080_8080_8080 }

    /// The high bit of each byte of `word` that is not an ASCII letter (per byte, no carries between them:
    /// the 7-bit values plus 0x1F or 0x05 stay below 0x100).
    @inline(__always)
    static func notLetters(_ word: UInt64) -> UInt64 {
        let folded = word | 0x2020_2020_2020_2020
        let low7 = folded & 0x7F7F_7F7F_7F7F_7F7F
        let atLeastA = low7 &+ 0x1F1F_1F1F_1F1F_1F1F  // high bit: >= 0x61
        let pastZ = low7 &+ 0x0505_0505_0505_0505  // high bit: >= 0x7B
        let letters = atLeastA & ~pastZ & ~folded & highs
        return ~letters & highs
    }

    /// How many high bits `mask` (high bits only) holds: byte sums by one multiply (no `popcnt` in the
    /// baseline x86-64 the package builds for).
    @inline(__always)
    static func lanes(_ mask: UInt64) -> Int {
        Int(truncatingIfNeeded: ((mask >> 7) &* 0x0101_0101_0101_0101) >> 56)
    }
}

/// Which scalars of U+0080...U+024F are letters (`isAlphabetic`), as a bit table built once: the property
/// lookup was the next cost of the count on text with accents.
enum LatinLetters {
    static let first: UInt32 = 0x80
    static let bits: [UInt64] = {
        var bits = [UInt64](repeating: 0, count: (0x250 - 0x80 + 63) / 64)
        for v in UInt32(0x80)..<0x250 where Unicode.Scalar(v)?.properties.isAlphabetic == true {
            bits[Int(v - first) >> 6] |= 1 << UInt64((v - first) & 63)
        }
        return bits
    }()

    /// Whether `v` (in U+0080...U+024F) is a letter.
    static func contains(_ v: UInt32) -> Bool { bits[Int(v - first) >> 6] & (1 << UInt64((v - first) & 63)) != 0 }
}
