import Foundation

/// Counts the input tokens of the requests staging renders on a thread of its own, chunk by chunk.
///
/// Counting reads every byte of every message text (about 0.9 GB for 1M support tickets, ~1.6 CPU-s): on the
/// staging thread it cost a third of staging's speed. Staging only copies each line's texts into a batch here;
/// the count runs on the other core, which a plain file leaves idle and inflate leaves part-idle.
///
/// Memory stays bounded: at most `depth` batches of about `batchBytes` (256 KB, some 300 requests; 1 MB in all)
/// are in flight, and the producer waits for a free one. A batch holds, per request, its chunk's sequence
/// number and then, for each template that names a field, the text's length and bytes (a constant template's
/// count is known in advance).
///
/// `@unchecked Sendable`: `free`, `filled`, `ended`, `stopped`, `sums` and `done` are read and written only
/// while `condition` is locked; `current` and `halted` only by the producer.
final class TokenCountingThread: @unchecked Sendable {
    private let line: RequestLine
    private let batchBytes: Int
    private let condition = NSCondition()
    private var free: [[UInt8]]
    private var filled: [[UInt8]] = []
    private var ended = false
    private var stopped = false
    private var done = false
    private var sums: [Int: TokenSum] = [:]
    private var current: [UInt8] = []
    /// Producer's copy of `stopped`, set by `hand` when it finds the thread gone.
    private var halted = false

    /// Starts the thread counting requests of `line`'s layout.
    init(line: RequestLine, batchBytes: Int = 1 << 18, depth: Int = 4) {
        self.line = line
        self.batchBytes = batchBytes
        free = (0..<max(1, depth - 1)).map { _ in
            var batch: [UInt8] = []
            batch.reserveCapacity(batchBytes + (1 << 16))
            return batch
        }
        current.reserveCapacity(batchBytes + (1 << 16))
        let thread = Thread { [self] in run() }
        thread.name = "sluice-token-count"
        thread.start()
    }

    /// Queues the line just rendered into `rendered` (templates at `offsets`, as `RequestLine.render` set them)
    /// for chunk `seq`. Producer only.
    func add(_ rendered: [UInt8], templates offsets: [Int], chunk seq: Int) {
        // After a stop nothing is counted; dropping the line keeps `filled` from growing with no consumer.
        if halted { return }
        Self.append(UInt32(truncatingIfNeeded: seq), to: &current)
        for k in line.templates.indices where line.templates[k].constantTokens == nil {
            let (start, end) = (offsets[2 * k], offsets[2 * k + 1])
            Self.append(UInt32(end - start), to: &current)
            rendered.withUnsafeBytes { current.append(contentsOf: UnsafeRawBufferPointer(rebasing: $0[start..<end])) }
        }
        if current.count >= batchBytes { hand() }
    }

    /// Waits until every queued request is counted; the sums by chunk sequence number. Producer only.
    func finish() -> [Int: TokenSum] {
        hand()
        condition.lock()
        defer { condition.unlock() }
        ended = true
        condition.broadcast()
        while !done { condition.wait() }
        return sums
    }

    /// Ends the thread without waiting for the count (staging stopped or failed).
    func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
    }

    /// Passes the producer's batch to the thread and takes a free one, waiting for it if need be.
    private func hand() {
        guard !current.isEmpty else { return }
        condition.lock()
        defer { condition.unlock() }
        filled.append(current)
        condition.broadcast()
        while free.isEmpty && !stopped { condition.wait() }
        halted = stopped
        current = stopped ? [] : free.removeLast()
        current.removeAll(keepingCapacity: true)
    }

    private func run() {
        var sums: [Int: TokenSum] = [:]
        while true {
            condition.lock()
            while filled.isEmpty && !ended && !stopped { condition.wait() }
            if stopped || filled.isEmpty {
                self.sums = sums
                done = true
                condition.broadcast()
                condition.unlock()
                return
            }
            let batch = filled.removeFirst()
            condition.unlock()
            count(batch, into: &sums)
            condition.lock()
            free.append(batch)
            condition.broadcast()
            condition.unlock()
        }
    }

    private func count(_ batch: [UInt8], into sums: inout [Int: TokenSum]) {
        let templates = line.templates
        batch.withUnsafeBytes { bytes in
            var i = 0
            var seq = -1
            var sum = TokenSum()
            while i < bytes.count {
                let requestSeq = Int(bytes.loadUnaligned(fromByteOffset: i, as: UInt32.self))
                i += 4
                if requestSeq != seq {
                    if seq >= 0 { sums[seq, default: TokenSum()].add(sum) }
                    (seq, sum) = (requestSeq, TokenSum())
                }
                let tokens = line.tokens.total(of: templates.count) { k in
                    if let constant = templates[k].constantTokens { return constant }
                    let length = Int(bytes.loadUnaligned(fromByteOffset: i, as: UInt32.self))
                    let text = UnsafeRawBufferPointer(rebasing: bytes[(i + 4)..<(i + 4 + length)])
                    i += 4 + length
                    return TokenEstimator.tokens(jsonContent: text)
                }
                sum.add(tokens)
            }
            if seq >= 0 { sums[seq, default: TokenSum()].add(sum) }
        }
    }

    private static func append(_ value: UInt32, to out: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { out.append(contentsOf: $0) }
    }
}
