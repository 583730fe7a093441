/// The 32 hex digits `SplitMix64.hex(32)` draws, kept as the two words drawn so the batch processor's fast path
/// can write an id straight into a result line; a `String` is made only for lines that take the slow path.
struct HexID {
    private let low: UInt64
    private let high: UInt64

    /// Draws what `random.hex(32)` draws.
    init(drawing random: inout SplitMix64) {
        low = random.next()
        high = random.next()
    }

    private static let digits: [UInt8] = Array("0123456789abcdef".utf8)

    /// Appends the digits, as `hex(32)` orders them: each word's nibbles from the lowest up.
    func append(into out: inout [UInt8]) {
        Self.appendNibbles(low, into: &out)
        Self.appendNibbles(high, into: &out)
    }

    private static func appendNibbles(_ word: UInt64, into out: inout [UInt8]) {
        var bits = word
        for _ in 0..<16 {
            out.append(digits[Int(bits & 0xf)])
            bits >>= 4
        }
    }

    /// The digits as text, what `hex(32)` returns.
    var text: String {
        var out: [UInt8] = []
        out.reserveCapacity(32)
        append(into: &out)
        return String(decoding: out, as: UTF8.self)
    }
}

extension SplitMix64 {
    private static let base62Alphabet: [UInt8] = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8)

    /// Appends what `base62(count)` returns, with the same draws, without a `String`.
    mutating func appendBase62(_ count: Int, into out: inout [UInt8]) {
        for _ in 0..<count { out.append(Self.base62Alphabet[below(62)]) }
    }
}
