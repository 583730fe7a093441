/// The readers' one reusable read buffer over a byte source, with the stream offset of its first byte.
///
/// Readers copy `position`/`end` into locals for their scanning loops and store them back before `refill`.
final class InputWindow {
    /// The source being read.
    let source: any ByteSource
    /// The buffer; `base[position..<end]` are bytes not yet consumed.
    let base: UnsafeMutablePointer<UInt8>
    /// Buffer capacity in bytes.
    let capacity: Int
    // position and end are read and written per line or per record; their dynamic exclusivity checks (a TLS
    // lookup each) were a measurable share of JSONL reading. Safe: a window has one owner and one thread, and no
    // access is held across a call that could reach the window again.
    /// Next unconsumed byte.
    @exclusivity(unchecked) var position = 0
    /// End of the valid bytes.
    @exclusivity(unchecked) var end = 0
    /// Stream offset of `base[0]`.
    private(set) var baseOffset: Int64 = 0
    /// The source has reported its end.
    private(set) var sourceEnded = false

    /// The smallest buffer that still lets the byte-order-mark check see three bytes at once.
    static let minimumCapacity = 4

    init(source: any ByteSource, capacity: Int) {
        precondition(capacity >= Self.minimumCapacity, "read buffer must hold at least \(Self.minimumCapacity) bytes")
        self.source = source
        self.capacity = capacity
        base = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
    }

    deinit { base.deallocate() }

    /// Stream offset of the next unconsumed byte.
    var offset: Int64 { baseOffset + Int64(position) }

    /// Stream offset of buffer index `index`.
    func offset(at index: Int) -> Int64 { baseOffset + Int64(index) }

    /// Replaces the consumed buffer with the next bytes; false at the end of the stream. Call with `position == end`.
    func refill() throws(RecordsError) -> Bool {
        if sourceEnded { return false }
        baseOffset += Int64(end)
        position = 0
        end = 0
        let count = try source.read(into: UnsafeMutableRawBufferPointer(start: base, count: capacity))
        if count == 0 {
            sourceEnded = true
            return false
        }
        end = count
        return true
    }

    /// At the start of the stream: skips a UTF-8 byte-order mark (EF BB BF) if there is one.
    func skipByteOrderMark() throws(RecordsError) {
        precondition(baseOffset == 0 && position == 0, "the byte-order mark can only be at the start")
        // Sources may return fewer bytes than asked for, so gather up to three before deciding.
        while end < 3 && !sourceEnded {
            let count = try source.read(into: UnsafeMutableRawBufferPointer(start: base + end, count: capacity - end))
            if count == 0 { sourceEnded = true } else { end += count }
        }
        if end >= 3 && base[0] == 0xEF && base[1] == 0xBB && base[2] == 0xBF { position = 3 }
    }
}
