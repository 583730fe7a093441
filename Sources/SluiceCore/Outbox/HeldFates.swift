import Foundation
import SluiceJSON

/// The fates of rows whose request later rows repeat (dedupe's primaries), kept on disk until assembly ends.
///
/// Held in a dictionary of `JSONValue`s they grew with the file: up to `StagingDedupe.maxTrackedRequests`
/// (2^18) primaries of a few hundred bytes each, ~100 MB for a file whose requests come round twice. Here a
/// fate is a line in an unlinked temporary file and memory holds 20 bytes of index per primary (5 MB at the
/// cap). Primaries are kept in increasing row order, so the index is three sorted arrays searched by bisection.
final class HeldFates {
    private let fd: Int32
    private var rows: [Int] = []
    private var offsets: [Int64] = []
    private var lengths: [Int32] = []
    /// Bytes not yet written out; they start at file offset `written`.
    private var pending: [UInt8] = []
    private var written: Int64 = 0
    private var scratch: [UInt8] = []
    static let flushSize = 1 << 16

    /// A store in `directory` (the drop's work folder); its file is unlinked at once and vanishes with it.
    init(directory: String) throws {
        let path = directory + "/.held-fates-\(UInt64.random(in: 0...UInt64.max))"
        fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw OutcomeFileError(message: "cannot create \(path): errno \(errno)") }
        unlink(path)
        pending.reserveCapacity(Self.flushSize)
    }

    deinit { close(fd) }

    /// Number of fates kept.
    var count: Int { rows.count }

    /// Keeps the fate of `row`, which must be greater than every row kept before.
    func keep(_ fate: RowFate, row: Int) throws {
        precondition(rows.last.map { $0 < row } ?? true, "held fates are kept in increasing row order")
        let start = pending.count
        JSONWriter.write(try fate.json(row: row), into: &pending)
        rows.append(row)
        offsets.append(written + Int64(start))
        lengths.append(Int32(pending.count - start))
        if pending.count >= Self.flushSize { try flush() }
    }

    /// The fate kept for `row`, or nil when none was.
    func fate(of row: Int) throws -> RowFate? {
        var low = 0
        var high = rows.count
        while low < high {
            let mid = (low + high) / 2
            if rows[mid] < row { low = mid + 1 } else { high = mid }
        }
        guard low < rows.count, rows[low] == row else { return nil }
        let offset = offsets[low]
        let length = Int(lengths[low])
        let json: JSONValue
        do {
            if offset >= written {
                let start = Int(offset - written)
                json = try JSONParser.parse(pending[start..<(start + length)])
            } else {
                if scratch.count < length { scratch = [UInt8](repeating: 0, count: length) }
                let got = scratch.withUnsafeMutableBytes { pread(fd, $0.baseAddress, length, off_t(offset)) }
                guard got == length else { throw OutcomeFileError(message: "short read of a held fate (row \(row))") }
                json = try scratch.withUnsafeBytes {
                    try JSONParser.parse(buffer: UnsafeRawBufferPointer(rebasing: $0[0..<length]))
                }
            }
        } catch let error as OutcomeFileError {
            throw error
        } catch {
            throw OutcomeFileError(message: "held fate of row \(row) is not JSON: \(error)")
        }
        guard let fate = RowFate(json: json) else { throw OutcomeFileError(message: "damaged held fate (row \(row))") }
        return fate
    }

    private func flush() throws {
        var done = 0
        while done < pending.count {
            let n = pending[done...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw OutcomeFileError(message: "cannot write held fates: errno \(errno)")
            }
            done += n
        }
        written += Int64(pending.count)
        pending.removeAll(keepingCapacity: true)
    }
}
