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
/// Memory is two sets of hashes (about 16 bytes per distinct id, more for the set's slack); the receipts
/// are appended to one file of 8-byte hashes, so a restarted emulator rebuilds the same counts.
struct CustomIDLedger: Sendable {
    /// The protocol a custom_id was received in; the same id in both protocols is two keys.
    enum Wire: String, Sendable {
        case openAI = "openai"
        case anthropic
    }

    /// Receipts so far.
    private(set) var received = 0
    private var seen = Set<UInt64>()
    private var repeated = Set<UInt64>()

    /// An empty ledger.
    init() {}

    /// The key of `customID` received in `wire`.
    static func key(_ wire: Wire, _ customID: String) -> UInt64 {
        var hash = StableHash(seed: 0x5eed_c0de)
        hash.combine(wire.rawValue)
        hash.combine(customID)
        return hash.value
    }

    /// Counts the receipts `keys`.
    mutating func record(_ keys: [UInt64]) {
        for key in keys where !seen.insert(key).inserted {
            repeated.insert(key)
        }
        received += keys.count
    }

    /// `custom_ids` in `GET /_emulator/stats`.
    var wire: JSONValue {
        ["received": .int(received), "distinct": .int(seen.count), "received_more_than_once": .int(repeated.count)]
    }

    /// The ledger of the receipts file at `path` (empty when there is none); a torn last record is ignored.
    static func load(path: String) -> CustomIDLedger {
        var ledger = CustomIDLedger()
        guard let data = FileManager.default.contents(atPath: path) else { return ledger }
        let whole = data.count / 8 * 8
        var keys: [UInt64] = []
        keys.reserveCapacity(whole / 8)
        data.withUnsafeBytes { raw in
            for offset in stride(from: 0, to: whole, by: 8) {
                keys.append(UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)))
            }
        }
        ledger.record(keys)
        return ledger
    }

    /// Appends the receipts `keys` to the file at `path`, before they are counted.
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
