import Testing

@testable import SluiceCore

/// The flat dedupe table against the dictionary it replaced, fed the same random rows.
@Suite struct SeenRequestsTests {
    /// What staging did with a `Dictionary`: the first row of each key, new keys kept while under the cap.
    struct Straightforward {
        let capacity: Int
        var table: [RequestKey.ShortKey: Int] = [:]
        mutating func see(_ key: RequestKey.ShortKey, row: Int) -> Int? {
            if let first = table[key] { return first }
            if table.count < capacity { table[key] = row }
            return nil
        }
    }

    func see(_ seen: inout SeenRequests, _ key: RequestKey.ShortKey, row: Int) -> Int? {
        if let first = seen.row(of: key) { return first }
        seen.remember(key, row: row)
        return nil
    }

    @Test(arguments: [1, 7, 100, 5_000], [UInt64(1), 2, 3])
    func agreesWithADictionaryOnRandomRows(capacity: Int, seed: UInt64) {
        var random = SeededGenerator(state: seed)
        var fast = SeenRequests(capacity: capacity, initialSlots: 4)
        var plain = Straightforward(capacity: capacity)
        // Few distinct keys make many repeats; a shared first word forces probing past the home slot.
        let distinct = UInt64(capacity * 2 + 3)
        var mismatches: [Int] = []
        for row in 1...20_000 {
            let n = random.next() % distinct
            let key = RequestKey.ShortKey(a: n % 5 == 0 ? 42 : n &* 0x9E37_79B9_7F4A_7C15, b: n)
            if see(&fast, key, row: row) != plain.see(key, row: row) { mismatches.append(row) }
        }
        #expect(mismatches.isEmpty)
        #expect(fast.count == plain.table.count)
        for (key, row) in plain.table { #expect(fast.row(of: key) == row) }
    }

    @Test func fullyRandomKeysAtTheRealCapGrowThroughEveryStep() {
        var random = SeededGenerator(state: 99)
        let capacity = StagingDedupe.maxTrackedRequests
        var fast = SeenRequests(capacity: capacity)
        var plain = Straightforward(capacity: capacity)
        var keys: [RequestKey.ShortKey] = []
        var mismatches: [Int] = []
        for row in 1...(capacity + 50_000) {  // 7/8 of them new: past the cap
            // One row in eight repeats an earlier request.
            let key =
                !keys.isEmpty && random.next() % 8 == 0
                ? keys[Int(random.next() % UInt64(keys.count))]
                : RequestKey.ShortKey(a: random.next(), b: random.next())
            keys.append(key)
            if see(&fast, key, row: row) != plain.see(key, row: row) { mismatches.append(row) }
        }
        #expect(mismatches.isEmpty)
        #expect(fast.count == capacity)
        #expect(plain.table.count == capacity)
    }

    @Test func aRowBeyondThirtyTwoBitsIsNotRemembered() {
        var seen = SeenRequests(capacity: 10)
        let key = RequestKey.ShortKey(a: 1, b: 2)
        seen.remember(key, row: Int(UInt32.max) + 1)
        #expect(seen.row(of: key) == nil)
        seen.remember(key, row: Int(UInt32.max))
        #expect(seen.row(of: key) == Int(UInt32.max))
    }
}
