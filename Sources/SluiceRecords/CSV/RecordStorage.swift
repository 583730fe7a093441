/// The unescaped bytes of the record being scanned plus where each field ends; reused from record to record.
///
/// Stops storing (and sets `overflowed`) once the record would exceed `limit`, so an oversized record costs no
/// memory; the fields completed before that point are kept.
struct RecordStorage: ~Copyable {
    private(set) var bytes: UnsafeMutablePointer<UInt8>
    private(set) var capacity: Int
    private(set) var count = 0
    /// End offset (exclusive) of each completed field.
    private(set) var fieldEnds: [Int] = []
    /// The record went over `limit`; later bytes and fields are dropped.
    private(set) var overflowed = false
    /// Maximum bytes per record, counting 8 bytes per field for the offsets.
    let limit: Int

    init(limit: Int) {
        self.limit = limit
        capacity = min(64 << 10, max(limit, 16))
        bytes = .allocate(capacity: capacity)
    }

    deinit { bytes.deallocate() }

    /// Forgets the previous record, keeping the memory.
    mutating func reset() {
        count = 0
        fieldEnds.removeAll(keepingCapacity: true)
        overflowed = false
    }

    /// Appends a run of field bytes.
    @inline(__always)
    mutating func append(_ source: UnsafePointer<UInt8>, _ length: Int) {
        if overflowed || length == 0 { return }
        if count + length + fieldEnds.count * 8 > limit {
            overflowed = true
            return
        }
        if count + length > capacity { grow(to: count + length) }
        (bytes + count).update(from: source, count: length)
        count += length
    }

    /// Appends one byte (a `""` escape).
    mutating func append(byte: UInt8) {
        if overflowed { return }
        if count + 1 + fieldEnds.count * 8 > limit {
            overflowed = true
            return
        }
        if count + 1 > capacity { grow(to: count + 1) }
        bytes[count] = byte
        count += 1
    }

    /// Closes the current field.
    @inline(__always)
    mutating func endField() {
        if overflowed { return }
        if count + (fieldEnds.count + 1) * 8 > limit {
            overflowed = true
            return
        }
        fieldEnds.append(count)
    }

    /// Bytes of the completed fields, copied out.
    func completedBytes() -> [UInt8] {
        let length = fieldEnds.last ?? 0
        return [UInt8](UnsafeBufferPointer(start: bytes, count: length))
    }

    private mutating func grow(to needed: Int) {
        var newCapacity = capacity
        while newCapacity < needed { newCapacity *= 2 }
        let newBytes = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        newBytes.update(from: bytes, count: count)
        bytes.deallocate()
        bytes = newBytes
        capacity = newCapacity
    }
}
