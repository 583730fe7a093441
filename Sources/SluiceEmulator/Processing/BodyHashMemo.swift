#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The answer seed (`StableHash` of the body's bytes) of consecutive request bodies that share a head and a tail,
/// as the lines Sluice renders for one pipeline do: model and system prompt before the row's text, `max_tokens`,
/// `temperature` and the ~600-byte schema after it. The head's hash state is kept, the tail is a
/// `StableHash.KnownRun`, and only the bytes between are hashed one by one (perf: the byte-serial hash was the
/// largest single cost of answering a canonical line).
///
/// Both are learnt from the bodies: on a miss the head shrinks to what it shares with the body (or becomes what the
/// body shares with the last body that missed), the tail likewise. Working a tail out costs about as much as
/// hashing 50 bodies, so it is done at most once per `tailBudget` bodies; bodies that share nothing cost two
/// failed compares and a copy each. Not thread-safe: one processing thread owns it.
final class BodyHashMemo {
    /// Heads and tails shorter than these are not worth keeping.
    static let minimumHead = 16
    static let minimumTail = 64
    /// Bodies between two tail computations.
    static let tailBudget = 256

    private let seed: UInt64
    private var head: [UInt8] = []
    /// The hash state after `seed` and `head`.
    private var headState: UInt64 = 0
    private var tail: StableHash.KnownRun?
    /// The last body that missed the head or the tail, to learn from.
    private var previous: [UInt8] = []
    private var bodiesSinceTail = Int.max
    /// Bytes taken from the head's state or a tail instead of being hashed (tests check the memo is used).
    private(set) var skippedBytes = 0

    /// A memo for bodies hashed under `seed` (the model's).
    init(seed: UInt64) {
        self.seed = seed
    }

    /// `StableHash(seed:)` combined with `body`'s bytes: the same value, computed from what the memo knows.
    func hash(_ body: UnsafeRawBufferPointer) -> UInt64 {
        guard let base = body.baseAddress else { return StableHash(seed: seed).value }
        let count = body.count
        if bodiesSinceTail < Int.max { bodiesSinceTail += 1 }
        var hash: StableHash
        var from: Int
        var missed = false
        if !head.isEmpty && head.count <= count && memcmp(base, head, head.count) == 0 {
            hash = StableHash(state: headState)
            from = head.count
            skippedBytes += from
        } else {
            missed = true
            hash = StableHash(seed: seed)
            let shared = head.isEmpty ? Self.commonPrefix(body, previous) : Self.commonPrefix(body, head)
            if shared >= Self.minimumHead {
                hash.combine(bytes: UnsafeRawBufferPointer(rebasing: body[0..<shared]))
                head = Array(body[0..<shared])
                headState = hash.state
                from = shared
            } else {
                head = []
                from = 0
            }
        }
        var to = count
        if let tail, from + tail.bytes.count <= count,
            memcmp(base + count - tail.bytes.count, tail.bytes, tail.bytes.count) == 0
        {
            to = count - tail.bytes.count
        } else {
            missed = true
            if bodiesSinceTail >= Self.tailBudget {
                let shared = min(
                    count - from, tail.map { Self.commonSuffix(body, $0.bytes) } ?? Self.commonSuffix(body, previous))
                if shared >= Self.minimumTail {
                    tail = StableHash.KnownRun(Array(body[(count - shared)...]))
                    bodiesSinceTail = 0
                    to = count - shared
                } else if tail != nil {
                    // What it shares with the stale tail is too short: learn afresh from the next bodies.
                    tail = nil
                }
            }
        }
        hash.combine(bytes: UnsafeRawBufferPointer(rebasing: body[from..<to]))
        skippedBytes += count - to
        if to < count, let tail { hash.combine(tail) }
        if missed { previous = Array(body) }
        return hash.value
    }

    /// How many leading bytes `a` and `b` share.
    static func commonPrefix(_ a: UnsafeRawBufferPointer, _ b: [UInt8]) -> Int {
        b.withUnsafeBytes { b in
            let limit = min(a.count, b.count)
            var i = 0
            while i + 8 <= limit
                && a.loadUnaligned(fromByteOffset: i, as: UInt64.self) == b.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            {
                i += 8
            }
            while i < limit && a[i] == b[i] { i += 1 }
            return i
        }
    }

    /// How many trailing bytes `a` and `b` share.
    static func commonSuffix(_ a: UnsafeRawBufferPointer, _ b: [UInt8]) -> Int {
        b.withUnsafeBytes { b in
            let limit = min(a.count, b.count)
            var i = 0
            while i + 8 <= limit
                && a.loadUnaligned(fromByteOffset: a.count - i - 8, as: UInt64.self)
                    == b.loadUnaligned(fromByteOffset: b.count - i - 8, as: UInt64.self)
            {
                i += 8
            }
            while i < limit && a[a.count - 1 - i] == b[b.count - 1 - i] { i += 1 }
            return i
        }
    }
}
