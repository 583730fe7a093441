import Foundation

/// Writes a `FileSink`'s full buffers on a thread of its own, so that deflate (most of what writing a gzip output
/// costs) and the kernel's copy overlap with whatever produces the bytes, on the other core.
///
/// Memory stays bounded: `depth` buffers of the sink's size in all, and the owner waits for a free one. An error
/// from the thread (a full disk, a deflate failure) is thrown to the owner at its next hand-over or at `drain`;
/// after one, nothing more is written.
///
/// `@unchecked Sendable`: `free`, `filled`, `failure`, `stopped` and `exited` are read and written only
/// while `condition` is locked; `emit` runs only on the thread.
final class WriteBehind: @unchecked Sendable {
    /// Writes one buffer's bytes; `finish` ends the stream (the gzip trailer).
    typealias Emit = (UnsafeRawBufferPointer, _ finish: Bool) throws(RecordsError) -> Void

    private let condition = NSCondition()
    private var free: [UnsafeMutableRawBufferPointer]
    private var filled: [(buffer: UnsafeMutableRawBufferPointer, count: Int, finish: Bool)] = []
    private var failure: RecordsError?
    private var stopped = false
    private var exited = false
    private let emit: Emit
    private let all: [UnsafeMutableRawBufferPointer]

    /// The buffer the owner fills first; every buffer belongs to this object and lives as long as it does.
    let initial: UnsafeMutableRawBufferPointer

    /// Starts the thread with `depth` buffers of `bufferSize` bytes in all (at least two).
    init(bufferSize: Int, depth: Int, emit: @escaping Emit) {
        all = (0..<max(2, depth)).map { _ in
            UnsafeMutableRawBufferPointer.allocate(byteCount: bufferSize, alignment: 16)
        }
        initial = all[0]
        free = Array(all.dropFirst())
        self.emit = emit
        let thread = Thread { [self] in run() }
        thread.name = "sluice-write-behind"
        thread.start()
    }

    deinit {
        for buffer in all { buffer.deallocate() }
    }

    /// Owner: queues `count` bytes of `buffer` (which the thread now owns) and returns a free buffer to fill next,
    /// waiting for one if the thread is behind. Throws the thread's error, if it had one.
    func hand(
        _ buffer: UnsafeMutableRawBufferPointer, count: Int, finish: Bool
    ) throws(RecordsError) -> UnsafeMutableRawBufferPointer {
        condition.lock()
        defer { condition.unlock() }
        if let failure { throw failure }
        filled.append((buffer, count, finish))
        condition.broadcast()
        while free.isEmpty && failure == nil { condition.wait() }
        if let failure { throw failure }
        return free.removeLast()
    }

    /// Owner: waits until every queued buffer is written. Throws the thread's error, if it had one.
    func drain() throws(RecordsError) {
        condition.lock()
        defer { condition.unlock() }
        // Written out when every buffer but the owner's one is free again.
        while free.count < all.count - 1 && failure == nil { condition.wait() }
        if let failure { throw failure }
    }

    /// Owner: ends the thread without writing what is queued, and waits until it has left `emit` for good (so
    /// the file can be closed under it).
    func stop() {
        condition.lock()
        defer { condition.unlock() }
        stopped = true
        condition.broadcast()
        while !exited { condition.wait() }
    }

    private func run() {
        condition.lock()
        while true {
            while filled.isEmpty && !stopped { condition.wait() }
            if stopped { break }
            let next = filled.removeFirst()
            condition.unlock()
            var thrown: RecordsError?
            do throws(RecordsError) {
                try emit(UnsafeRawBufferPointer(rebasing: next.buffer[..<next.count]), next.finish)
            } catch {
                thrown = error
            }
            condition.lock()
            free.append(next.buffer)
            if let thrown { failure = thrown }
            condition.broadcast()
            if thrown != nil { break }
        }
        // After a failure the owner may still stop: wait for it so `exited` is what it waits on.
        while !stopped { condition.wait() }
        exited = true
        condition.broadcast()
        condition.unlock()
    }
}
