import Testing

@testable import SluiceEmulator

/// `StableHash.KnownRun` and `BodyHashMemo` against the straightforward byte-by-byte hash, on random inputs.
@Suite struct BodyHashMemoTests {
    private static func bytes(_ count: Int, _ random: inout SplitMix64) -> [UInt8] {
        // Few distinct bytes, so runs share prefixes and suffixes by chance as well as by construction.
        (0..<count).map { _ in UInt8(truncatingIfNeeded: 0x61 + random.below(4)) }
    }

    @Test func knownRunAdvancesAsTheBytesWould() {
        var random = SplitMix64(seed: 11)
        for _ in 0..<300 {
            let run = (0..<random.int(in: 0...400)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            let start = StableHash(state: random.next())
            var direct = start
            direct.combine(run)
            var skipped = start
            skipped.combine(StableHash.KnownRun(run))
            #expect(skipped.state == direct.state)
        }
    }

    @Test func memoHashesAsTheStraightforwardHash() {
        var random = SplitMix64(seed: 12)
        let heads = [Self.bytes(150, &random), Self.bytes(20, &random), Self.bytes(3, &random), []]
        let tails = [Self.bytes(600, &random), Self.bytes(70, &random), Self.bytes(10, &random), []]
        for seed in [UInt64(0), 42] {
            let memo = BodyHashMemo(seed: seed)
            for index in 0..<3000 {
                var body: [UInt8]
                // Mostly Sluice-like runs (one head, one tail), with stretches of others and of unrelated bodies.
                let phase = index / 500
                if random.chance(0.03) || phase == 3 {
                    body = Self.bytes(random.int(in: 0...900), &random)
                } else {
                    var head = phase == 4 ? random.pick(heads) : heads[phase % 2]
                    if random.chance(0.05), !head.isEmpty { head[random.below(head.count)] ^= 1 }
                    var tail = phase == 5 ? random.pick(tails) : tails[phase % 2]
                    if random.chance(0.05), !tail.isEmpty { tail[random.below(tail.count)] ^= 1 }
                    body = head + Self.bytes(random.int(in: 0...300), &random) + tail
                }
                var expected = StableHash(seed: seed)
                expected.combine(body)
                let hashed = body.withUnsafeBytes { memo.hash($0) }
                #expect(hashed == expected.value, "body \(index)")
            }
            // The memo must actually have skipped bytes, or this test would pass with no fast path at all.
            #expect(memo.skippedBytes > 3000 * 100)
        }
    }
}
