import SluiceJSON

/// The running count behind `TokenEstimator`: fed one Unicode scalar at a time, it counts the features the
/// estimate weighs (words and their letters, digit groups, space runs, ...) and weighs them at the end.
///
/// Staging counts every request's tokens as it renders them, from the line's bytes (issue 8: reading the chunks
/// back to count them was a third of a 1M-row `process`'s CPU), so the count works on bytes, UTF-8 or JSON
/// string content, without building a `String` or an array of scalars, and keeps integer counts in its loop.
/// Weighing the counts at the end adds the same terms as weighing each run as it ends, grouped differently:
/// the two agree to floating-point rounding (tested against the run-by-run count).
struct TokenTally {
    private enum Run: UInt8 { case none, letters, cyrillic, digits, spaces }

    private var run = Run.none
    private var length = 0
    private var newline = false

    // The features, as counts. Runs ended and their scalars are kept by kind (`Run.rawValue`), so ending a run
    // is a few adds, not a switch: the run kind changes at most words, and an indirect jump mispredicted there
    // was most of the count's cost.
    private var runsEnded = SIMD8<Int>()
    private var runScalars = SIMD8<Int>()
    /// Words and their letters ended inside `addWords` (which does not pass through `end`).
    private var words = 0
    private var wordCharacters = 0
    private var extendedLatinLetters = 0
    private var digitGroups = 0
    private var punctuation = 0
    private var newlineRuns = 0
    private var spaceRuns = 0
    private var cjk = 0
    private var otherBytes = 0

    /// Adds an ASCII scalar: the hot path, branches on the byte's value only.
    @inline(__always)
    mutating func add(ascii b: UInt8) {
        if Self.isLetter(b) {
            extend(.letters)
        } else if b &- 0x30 < 10 {
            extend(.digits)
        } else if b == 0x20 || b == 0x09 || b == 0x0D {
            extend(.spaces)
        } else if b == 0x0A {
            extend(.spaces)
            newline = true
        } else {
            end()
            punctuation += 1
        }
    }

    /// Adds any scalar.
    mutating func add(_ v: UInt32) {
        if v < 0x80 { return add(ascii: UInt8(v)) }
        switch v {
        case 0x3000...0x30FF, 0x4E00...0x9FFF, 0xAC00...0xD7AF, 0xFF00...0xFFEF:
            end()
            cjk += 1
        case 0x80...0x24F where LatinLetters.contains(v):
            extend(.letters)
            extendedLatinLetters += 1
        case 0x370...0x52F: extend(.cyrillic)
        default:
            end()
            otherBytes += v < 0x800 ? 2 : v < 0x10000 ? 3 : 4
        }
    }

    /// The estimate once every scalar is in.
    mutating func finish() -> Double {
        end()
        typealias E = TokenEstimator
        let letters = Int(Run.letters.rawValue)
        let cyrillic = Int(Run.cyrillic.rawValue)
        var total =
            E.perWord * Double(words + runsEnded[letters])
            + E.perWordCharacter * Double(wordCharacters + runScalars[letters])
        total += E.perExtendedLatinLetter * Double(extendedLatinLetters) + E.perDigitGroup * Double(digitGroups)
        total += E.perPunctuation * Double(punctuation) + E.perNewlineRun * Double(newlineRuns)
        total += E.perSpaceRun * Double(spaceRuns) + E.perCJK * Double(cjk)
        total += E.perCyrillicLetter * Double(runScalars[cyrillic]) + E.perCyrillicWord * Double(runsEnded[cyrillic])
        return total + E.perOtherByte * Double(otherBytes)
    }

    /// Adds the ASCII letters from `start` on (`bytes[start]` is one), and the words after them that single
    /// spaces separate, in one tight loop; returns where it stopped. Prose is mostly that, and the
    /// scalar-by-scalar path pays two branches mispredicted at every word (into the space run, out of it).
    /// A single space between two words counts nothing: the word ends and the next begins.
    @inline(__always)
    mutating func addWords(_ bytes: UnsafeRawBufferPointer, from start: Int) -> Int {
        if run != .letters {
            end()
            run = .letters
        }
        let count = bytes.count
        var i = start
        while true {
            let j = Self.endOfLetters(bytes, from: i + 1)
            length += j - i
            guard j + 1 < count, bytes[j] == 0x20, Self.isLetter(bytes[j + 1]) else { return j }
            words += 1
            wordCharacters += length
            length = 0
            i = j + 1
        }
    }

    @inline(__always)
    static func isLetter(_ b: UInt8) -> Bool { (b | 0x20) &- 0x61 < 26 }

    /// The first index from `start` on that holds no ASCII letter, eight bytes at a time: a word's end then
    /// falls in the first window nearly always, a branch the processor predicts, where a byte loop
    /// mispredicts its exit once a word.
    @inline(__always)
    static func endOfLetters(_ bytes: UnsafeRawBufferPointer, from start: Int) -> Int {
        var j = start
        let count = bytes.count
        while j + 8 <= count {
            let others = notLetters(bytes.loadUnaligned(fromByteOffset: j, as: UInt64.self).littleEndian)
            if others != 0 { return j + others.trailingZeroBitCount >> 3 }
            j += 8
        }
        while j < count && isLetter(bytes[j]) { j += 1 }
        return j
    }

    /// The high bit of each byte of `word` that is not an ASCII letter (per byte, no carries between them:
    /// the 7-bit values plus 0x1F or 0x05 stay below 0x100).
    @inline(__always)
    static func notLetters(_ word: UInt64) -> UInt64 {
        let highs: UInt64 = 0x8080_8080_8080_8080
        let folded = word | 0x2020_2020_2020_2020
        let low7 = folded & 0x7F7F_7F7F_7F7F_7F7F
        let atLeastA = low7 &+ 0x1F1F_1F1F_1F1F_1F1F  // high bit: >= 0x61
        let pastZ = low7 &+ 0x0505_0505_0505_0505  // high bit: >= 0x7B
        let letters = atLeastA & ~pastZ & ~folded & highs
        return ~letters & highs
    }

    /// Continues the run of `kind`, or ends the one before and starts it.
    @inline(__always)
    private mutating func extend(_ kind: Run) {
        if run != kind {
            end()
            run = kind
        }
        length += 1
    }

    /// Counts the run that just ended (nothing for `.none`: its slot is never read).
    @inline(__always)
    private mutating func end() {
        let kind = Int(run.rawValue)
        runsEnded[kind] &+= 1
        runScalars[kind] &+= length
        let spaces = run == .spaces
        digitGroups &+= run == .digits ? (length + 2) / 3 : 0
        newlineRuns &+= spaces && newline ? 1 : 0
        spaceRuns &+= spaces && !newline && length > 1 ? 1 : 0
        run = .none
        length = 0
        newline = false
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

extension TokenEstimator {
    /// The estimated token count of the UTF-8 text `bytes` (each byte of an invalid sequence counts as one
    /// U+FFFD).
    @inline(never)
    static func tokens(utf8 bytes: UnsafeRawBufferPointer) -> Double { count(bytes, json: false) }

    /// The estimated token count of the text whose JSON string content (escaped, without the quotes) is
    /// `content`: what a rendered request line holds.
    /// Not inlined: inlined into the counting thread's closure, the loop ran four times slower (its state
    /// no longer stayed in registers).
    @inline(never)
    static func tokens(jsonContent content: UnsafeRawBufferPointer) -> Double { count(content, json: true) }

    /// Feeds `bytes` to a tally: ASCII words in runs, other ASCII by the byte, anything else decoded, and with
    /// `json` a backslash read as the escape it starts.
    @inline(__always)
    private static func count(_ bytes: UnsafeRawBufferPointer, json: Bool) -> Double {
        var tally = TokenTally()
        var i = 0
        let count = bytes.count
        while i < count {
            let b = bytes[i]
            if TokenTally.isLetter(b) {
                i = tally.addWords(bytes, from: i)
            } else if b < 0x80 && !(json && b == 0x5C) {
                tally.add(ascii: b)
                i += 1
            } else {
                let (scalar, length) = b < 0x80 ? UTF8Scalar.unescape(bytes, at: i) : UTF8Scalar.decode(bytes, at: i)
                tally.add(scalar)
                i += length
            }
        }
        return tally.finish()
    }
}

/// Decoding one scalar from bytes, for `TokenTally`'s feeders.
enum UTF8Scalar {
    static let replacement: UInt32 = 0xFFFD

    /// The scalar of the multi-byte UTF-8 sequence at `i` and its length; U+FFFD and 1 for an invalid one.
    @inline(__always)
    static func decode(_ bytes: UnsafeRawBufferPointer, at i: Int) -> (UInt32, Int) {
        guard let length = UTF8Check.sequenceLength(bytes, at: i) else { return (replacement, 1) }
        var value = UInt32(bytes[i]) & (length == 2 ? 0x1F : length == 3 ? 0x0F : 0x07)
        for k in 1..<length { value = value << 6 | (UInt32(bytes[i + k]) & 0x3F) }
        return (value, length)
    }

    /// The scalar of the JSON escape at `i` (which holds a backslash) and its length; a lone backslash or
    /// a malformed escape counts as U+FFFD over what it spans.
    static func unescape(_ bytes: UnsafeRawBufferPointer, at i: Int) -> (UInt32, Int) {
        guard i + 1 < bytes.count else { return (replacement, 1) }
        switch bytes[i + 1] {
        case UInt8(ascii: "n"): return (0x0A, 2)
        case UInt8(ascii: "t"): return (0x09, 2)
        case UInt8(ascii: "r"): return (0x0D, 2)
        case UInt8(ascii: "b"): return (0x08, 2)
        case UInt8(ascii: "f"): return (0x0C, 2)
        case UInt8(ascii: "u"):
            guard let high = hex4(bytes, at: i + 2) else { return (replacement, 2) }
            if (0xD800...0xDBFF).contains(high), i + 12 <= bytes.count, bytes[i + 6] == 0x5C,
                bytes[i + 7] == UInt8(ascii: "u"), let low = hex4(bytes, at: i + 8), (0xDC00...0xDFFF).contains(low)
            {
                return (0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00), 12)
            }
            return ((0xD800...0xDFFF).contains(high) ? replacement : high, 6)
        default: return (UInt32(bytes[i + 1]), 2)  // \" \\ \/
        }
    }

    private static func hex4(_ bytes: UnsafeRawBufferPointer, at i: Int) -> UInt32? {
        guard i + 4 <= bytes.count else { return nil }
        var value: UInt32 = 0
        for k in 0..<4 {
            let c = bytes[i + k]
            let digit: UInt8
            switch c {
            case 0x30...0x39: digit = c - 0x30
            case 0x41...0x46: digit = c - 0x41 + 10
            case 0x61...0x66: digit = c - 0x61 + 10
            default: return nil
            }
            value = value << 4 | UInt32(digit)
        }
        return value
    }
}
