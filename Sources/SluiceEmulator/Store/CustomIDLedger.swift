#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import Foundation
import SluiceJSON

/// Every batch request `custom_id` the emulator accepted for processing, as 64-bit hashes of (protocol,
/// custom_id): the proof that no request was sent twice except under a new id.
///
/// The receipts are appended to one file of 8-byte hashes and counted from it only when the stats are asked
/// for. Nothing is held in memory between asks: `sluice process` runs this emulator inside its own process,
/// where sets of every id ever received grew with the input (about 24 MB at 1M rows, 10× that at 10M).
enum CustomIDLedger {
    /// The protocol a custom_id was received in; the same id in both protocols is two keys.
    enum Wire: String, Sendable {
        case openAI = "openai"
        case anthropic
    }

    /// The key of `customID` received in `wire`.
    static func key(_ wire: Wire, _ customID: String) -> UInt64 {
        var hash = StableHash(seed: 0x5eed_c0de)
        hash.combine(wire.rawValue)
        hash.combine(customID)
        return hash.value
    }

    /// What the receipts in `keys` count to.
    struct Counts: Equatable, Sendable {
        var received = 0
        var distinct = 0
        /// Keys received more than once.
        var repeated = 0

        /// Counts `keys` by sorting them: equal keys end up side by side.
        init(keys: [UInt64]) {
            let sorted = keys.sorted()
            received = sorted.count
            var index = 0
            while index < sorted.count {
                var end = index + 1
                while end < sorted.count && sorted[end] == sorted[index] { end += 1 }
                distinct += 1
                if end - index > 1 { repeated += 1 }
                index = end
            }
        }

        /// `custom_ids` in `GET /_emulator/stats`.
        var wire: JSONValue {
            ["received": .int(received), "distinct": .int(distinct), "received_more_than_once": .int(repeated)]
        }
    }

    /// The counts of the receipts file at `path` (zero when there is none); a torn last record is ignored.
    static func counts(path: String) -> Counts {
        guard let data = FileManager.default.contents(atPath: path) else { return Counts(keys: []) }
        let whole = data.count / 8 * 8
        var keys: [UInt64] = []
        keys.reserveCapacity(whole / 8)
        data.withUnsafeBytes { raw in
            for offset in stride(from: 0, to: whole, by: 8) {
                keys.append(UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)))
            }
        }
        return Counts(keys: keys)
    }

    /// Appends the receipts `keys` to the file at `path`.
    static func append(_ keys: [UInt64], path: String) throws {
        guard !keys.isEmpty else { return }
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        guard fd >= 0 else { throw FileIOError.current("open", path) }
        defer { close(fd) }
        var bytes = [UInt8]()
        bytes.reserveCapacity(keys.count * 8)
        for key in keys { withUnsafeBytes(of: key.littleEndian) { bytes.append(contentsOf: $0) } }
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                throw FileIOError.current("write", path)
            }
            offset += written
        }
        // No fsync, like the other counters (stats.json): a crash may lose the last receipts, never the batches.
    }
}
