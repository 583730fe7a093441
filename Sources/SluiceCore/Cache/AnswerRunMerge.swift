/// Reads one sorted run of answer records: from memory, or from its range of the spill file through a read-ahead
/// buffer of bounded size (so a drop of any size merges in the same few megabytes).
final class AnswerRunReader {
    private let spill: SpillFile?
    private var buffer: [UInt8]
    private var position = 0
    private var fileOffset: Int
    private let fileEnd: Int
    private let readAhead: Int
    /// The current record's key, nil once the run is exhausted.
    private(set) var key: AnswerKeyWords?

    init(memory: [UInt8]) {
        spill = nil
        buffer = memory
        fileOffset = 0
        fileEnd = 0
        readAhead = 0
    }

    init(spill: SpillFile, range: Range<Int>, readAhead: Int) {
        self.spill = spill
        buffer = []
        fileOffset = range.lowerBound
        fileEnd = range.upperBound
        self.readAhead = readAhead
    }

    /// Makes the next record current.
    func advance() throws {
        key = nil
        guard try available(SortedAnswerRuns.headerBytes) else { return }
        let length = Int(SortedAnswerRuns.word(buffer, at: position + 48, 4))
        guard try available(SortedAnswerRuns.headerBytes + length) else {
            throw EngineError(code: "cache.spill", message: "the answers spill file ended inside a record")
        }
        key = AnswerKeyWords(buffer, at: position)
    }

    /// The current record as an entry; `advance()` moves past it.
    func entry() -> AnswerEntry {
        let header = SortedAnswerRuns.headerBytes
        let length = Int(SortedAnswerRuns.word(buffer, at: position + 48, 4))
        let entry = AnswerEntry(
            key: RequestKey(bytes: Array(buffer[position..<position + 32])),
            output: String(decoding: buffer[position + header..<position + header + length], as: UTF8.self),
            inputTokens: Int(Int64(bitPattern: SortedAnswerRuns.word(buffer, at: position + 32, 8))),
            outputTokens: Int(Int64(bitPattern: SortedAnswerRuns.word(buffer, at: position + 40, 8))))
        position += header + length
        return entry
    }

    /// Whether `count` bytes from `position` are in the buffer, reading ahead from the spill file when not.
    private func available(_ count: Int) throws -> Bool {
        if buffer.count - position >= count { return true }
        guard let spill, fileOffset < fileEnd else { return false }
        buffer.removeFirst(position)
        position = 0
        while buffer.count < count && fileOffset < fileEnd {
            let want = min(max(readAhead, count - buffer.count), fileEnd - fileOffset)
            let got = try spill.read(into: &buffer, count: want, at: fileOffset)
            guard got > 0 else { break }
            fileOffset += got
        }
        return buffer.count >= count
    }
}

/// The k-way merge of sorted runs (each with one record per key) into key order; of equal keys in several runs the
/// latest run's wins, as the last answer added would have.
struct AnswerRunMerge {
    private var heap: [(reader: AnswerRunReader, run: Int)] = []

    init(sources: [AnswerRunReader]) throws {
        for (run, reader) in sources.enumerated() {
            try reader.advance()
            if reader.key != nil { push((reader, run)) }
        }
    }

    /// The next entry in key order, nil at the end.
    mutating func next() throws -> AnswerEntry? {
        guard let key = heap.first?.reader.key else { return nil }
        var entry: AnswerEntry? = nil
        // Equal keys leave the heap by run, earliest first: the last one taken is the latest run's.
        while let first = heap.first, first.reader.key == key {
            entry = first.reader.entry()
            try first.reader.advance()
            if first.reader.key == nil { popTop() } else { siftDown(0) }
        }
        return entry
    }

    private func ordered(_ l: (reader: AnswerRunReader, run: Int), _ r: (reader: AnswerRunReader, run: Int)) -> Bool {
        let (x, y) = (l.reader.key!, r.reader.key!)
        return x < y || (x == y && l.run < r.run)
    }

    private mutating func push(_ item: (reader: AnswerRunReader, run: Int)) {
        heap.append(item)
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard ordered(heap[child], heap[parent]) else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    private mutating func popTop() {
        heap.swapAt(0, heap.count - 1)
        heap.removeLast()
        if !heap.isEmpty { siftDown(0) }
    }

    private mutating func siftDown(_ start: Int) {
        var parent = start
        while true {
            let left = 2 * parent + 1
            guard left < heap.count else { return }
            var smallest = ordered(heap[left], heap[parent]) ? left : parent
            if left + 1 < heap.count && ordered(heap[left + 1], heap[smallest]) { smallest = left + 1 }
            guard smallest != parent else { return }
            heap.swapAt(parent, smallest)
            parent = smallest
        }
    }
}
