/// The distinct requests of one file seen so far, each with the first row that made it: staging's dedupe table.
///
/// A flat open-addressing table (linear probing) of 20-byte slots — the key's two 64-bit words and a 32-bit
/// row — rather than a `Dictionary<RequestKey.ShortKey, Int>`. At its cap of `StagingDedupe.maxTrackedRequests`
/// (2^18) the dictionary took 2^19 buckets of 24 bytes (12.6 MB) and 18.9 MB while it rehashed; this table
/// sizes its last step to the cap at a 3/4 load (7 MB, 12 MB while it grows) and starts small, so a small file
/// costs next to nothing. The key is already SHA-256 output, so its first word is the hash.
struct SeenRequests {
    /// Most keys kept; past it `remember` keeps nothing new (the file's later repeats are sent again).
    let capacity: Int
    private(set) var count = 0
    private var high: [UInt64]
    private var low: [UInt64]
    /// 0 marks an empty slot (rows are 1-based).
    private var rows: [UInt32]
    private let maxSlots: Int

    init(capacity: Int = StagingDedupe.maxTrackedRequests, initialSlots: Int = 1024) {
        precondition(capacity >= 1)
        self.capacity = capacity
        maxSlots = capacity + capacity / 3 + 1
        let slots = min(max(initialSlots, 4), maxSlots)
        high = [UInt64](repeating: 0, count: slots)
        low = [UInt64](repeating: 0, count: slots)
        rows = [UInt32](repeating: 0, count: slots)
    }

    /// The first row that made `key`, or nil when it was not remembered.
    func row(of key: RequestKey.ShortKey) -> Int? {
        var slot = Self.home(key, slots: rows.count)
        while rows[slot] != 0 {
            if high[slot] == key.a && low[slot] == key.b { return Int(rows[slot]) }
            slot = slot + 1 == rows.count ? 0 : slot + 1
        }
        return nil
    }

    /// Remembers that `row` made `key` (which must not be remembered yet), unless the table is full or `row`
    /// does not fit its 32 bits.
    mutating func remember(_ key: RequestKey.ShortKey, row: Int) {
        guard count < capacity, row > 0, row <= Int(UInt32.max) else { return }
        if (count + 1) * 4 > rows.count * 3 && rows.count < maxSlots { grow() }
        Self.place(key, row: UInt32(row), high: &high, low: &low, rows: &rows)
        count += 1
    }

    private mutating func grow() {
        let slots = min(rows.count * 2, maxSlots)
        var newHigh = [UInt64](repeating: 0, count: slots)
        var newLow = [UInt64](repeating: 0, count: slots)
        var newRows = [UInt32](repeating: 0, count: slots)
        for slot in rows.indices where rows[slot] != 0 {
            Self.place(
                RequestKey.ShortKey(a: high[slot], b: low[slot]), row: rows[slot], high: &newHigh, low: &newLow,
                rows: &newRows)
        }
        high = newHigh
        low = newLow
        rows = newRows
    }

    private static func place(
        _ key: RequestKey.ShortKey, row: UInt32, high: inout [UInt64], low: inout [UInt64], rows: inout [UInt32]
    ) {
        var slot = home(key, slots: rows.count)
        while rows[slot] != 0 { slot = slot + 1 == rows.count ? 0 : slot + 1 }
        high[slot] = key.a
        low[slot] = key.b
        rows[slot] = row
    }

    /// The slot a key probes from: its hash scaled onto the table (no power-of-two size needed).
    private static func home(_ key: RequestKey.ShortKey, slots: Int) -> Int {
        Int(truncatingIfNeeded: key.a.multipliedFullWidth(by: UInt64(slots)).high)
    }
}
