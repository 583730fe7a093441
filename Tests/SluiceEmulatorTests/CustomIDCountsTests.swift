import Foundation
import SluiceJSON
import Testing

@testable import SluiceEmulator

/// The receipts counted by sorting against the two sets the ledger used to keep, on random receipts.
@Suite struct CustomIDCountsTests {
    /// What the ledger did: a set of keys seen, and one of keys seen again.
    func straightforward(_ keys: [UInt64]) -> CustomIDLedger.Counts {
        var seen = Set<UInt64>()
        var repeated = Set<UInt64>()
        for key in keys where !seen.insert(key).inserted { repeated.insert(key) }
        var counts = CustomIDLedger.Counts(keys: [])
        counts.received = keys.count
        counts.distinct = seen.count
        counts.repeated = repeated.count
        return counts
    }

    @Test(arguments: [0, 1, 2, 50, 3_000], [UInt64(3), 17, 1_000_000])
    func sortingCountsWhatTheSetsCounted(receipts: Int, keySpace: UInt64) {
        var random = SystemRandomNumberGenerator()
        let keys = (0..<receipts).map { _ in UInt64.random(in: 0..<keySpace, using: &random) }
        #expect(CustomIDLedger.Counts(keys: keys) == straightforward(keys), "\(keys.prefix(20))")
    }

    @Test func theReceiptsFileIsCountedAndATornRecordIgnored() throws {
        let path = "/tmp/sluice-custom-ids-\(UInt64.random(in: 0...UInt64.max)).bin"
        defer { unlink(path) }
        try CustomIDLedger.append([5, 9, 5, 5, 1], path: path)
        try CustomIDLedger.append([9], path: path)
        #expect(CustomIDLedger.counts(path: path).wire == ["received": 6, "distinct": 3, "received_more_than_once": 2])
        let fd = open(path, O_WRONLY | O_APPEND)
        _ = [UInt8](repeating: 7, count: 3).withUnsafeBytes { write(fd, $0.baseAddress, 3) }
        close(fd)
        #expect(CustomIDLedger.counts(path: path).received == 6)
        let none = CustomIDLedger.counts(path: path + ".none")
        #expect(none.wire == ["received": 0, "distinct": 0, "received_more_than_once": 0])
    }
}
