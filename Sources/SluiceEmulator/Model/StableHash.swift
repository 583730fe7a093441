/// FNV-1a over bytes, finished with a SplitMix64 mix.
///
/// Swift's `Hasher` is seeded randomly per process, so it cannot give the same answer twice across
/// emulator runs; this hash is fixed forever, which is what "same seed + same body = same answer" needs.
struct StableHash {
    /// FNV-1a's 64-bit prime.
    static let prime: UInt64 = 0x0000_0100_0000_01b3

    /// The running FNV-1a state (`KnownRun` continues it past bytes it has seen before).
    private(set) var state: UInt64 = 0xcbf2_9ce4_8422_2325

    /// A hash that starts from `seed`.
    init(seed: UInt64 = 0) {
        combine(seed)
    }

    /// A hash that continues from a `state` taken earlier.
    init(state: UInt64) {
        self.state = state
    }

    /// Mixes raw bytes in.
    mutating func combine(bytes: UnsafeRawBufferPointer) {
        var h = state
        for b in bytes {
            h ^= UInt64(b)
            h &*= 0x0000_0100_0000_01b3
        }
        state = h
    }

    /// Mixes a byte array in.
    mutating func combine(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { combine(bytes: $0) }
    }

    /// Mixes the UTF-8 bytes of a string in.
    mutating func combine(_ string: String) {
        var s = string
        s.withUTF8 { combine(bytes: UnsafeRawBufferPointer($0)) }
        // A terminator byte keeps ("ab","c") and ("a","bc") apart.
        state ^= 0xff
        state &*= 0x0000_0100_0000_01b3
    }

    /// Mixes an integer in (little-endian bytes).
    mutating func combine(_ value: UInt64) {
        var v = value.littleEndian
        withUnsafeBytes(of: &v) { combine(bytes: $0) }
    }

    /// The finished 64-bit hash.
    var value: UInt64 { SplitMix64.mix(state) }

    /// The hash of one string under a seed.
    static func of(_ string: String, seed: UInt64 = 0) -> UInt64 {
        var h = StableHash(seed: seed)
        h.combine(string)
        return h.value
    }
}

/// A small, fast, fully specified generator (Steele, Lea, Flood 2014), so every choice the model makes is
/// reproducible; the standard library's `random(in:using:)` algorithms are not guaranteed stable across releases.
struct SplitMix64 {
    private var state: UInt64

    /// A generator starting at `seed`.
    init(seed: UInt64) {
        state = seed
    }

    /// The SplitMix64 output function, also a good 64-bit finaliser.
    static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }

    /// The next 64 random bits.
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        return Self.mix(state)
    }

    /// A value in `0..<bound` (bound > 0); multiply-high keeps it cheap, the bias is irrelevant here.
    mutating func below(_ bound: Int) -> Int {
        precondition(bound > 0)
        return Int(next().multipliedFullWidth(by: UInt64(bound)).high)
    }

    /// A value in `range`, valid for any range including the full `Int` range.
    mutating func int(in range: ClosedRange<Int>) -> Int {
        let width = UInt64(bitPattern: Int64(range.upperBound &- range.lowerBound)) &+ 1
        if width == 0 { return Int(bitPattern: UInt(next())) }
        return range.lowerBound &+ Int(next().multipliedFullWidth(by: width).high)
    }

    /// A double in `[0, 1)`.
    mutating func unit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// True with probability `p`.
    mutating func chance(_ p: Double) -> Bool {
        unit() < p
    }

    /// A uniformly chosen element of a non-empty array.
    mutating func pick<T>(_ elements: [T]) -> T {
        elements[below(elements.count)]
    }

    /// `count` lowercase hex digits.
    mutating func hex(_ count: Int) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(count)
        var bits = next()
        for i in 0..<count {
            if i > 0 && i % 16 == 0 { bits = next() }
            out.append(digits[Int(bits & 0xf)])
            bits >>= 4
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// `count` base62 characters, the alphabet of real OpenAI file ids.
    mutating func base62(_ count: Int) -> String {
        let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8)
        var out = [UInt8]()
        out.reserveCapacity(count)
        for _ in 0..<count { out.append(alphabet[below(alphabet.count)]) }
        return String(decoding: out, as: UTF8.self)
    }

    /// Shuffles in place (Fisher–Yates).
    mutating func shuffle<T>(_ elements: inout [T]) {
        guard elements.count > 1 else { return }
        for i in stride(from: elements.count - 1, to: 0, by: -1) {
            elements.swapAt(i, below(i + 1))
        }
    }
}
