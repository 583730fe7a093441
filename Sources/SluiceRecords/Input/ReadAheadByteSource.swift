import Foundation

/// Reads ahead from another source on a thread of its own, so that producing bytes (inflating gzip) and
/// consuming them (parsing, rendering) overlap on two cores.
///
/// Memory stays bounded: at most `depth` buffers of `bufferSize` bytes are in flight. Errors from the inner
/// source surface from `read` once the bytes before them have been consumed.
public final class ReadAheadByteSource: ByteSource {
    private let channel: Channel
    private var current: [UInt8] = []
    private var offset = 0
    private var count = 0

    /// Starts reading `inner` ahead; from now on only the read-ahead thread touches it.
    public init(inner: any ByteSource, bufferSize: Int = 1 << 20, depth: Int = 4) {
        channel = Channel(free: (0..<max(2, depth)).map { _ in [UInt8](repeating: 0, count: bufferSize) })
        let producer = Producer(inner: inner, channel: channel)
        let thread = Thread { producer.run() }
        thread.name = "sluice-read-ahead"
        thread.start()
    }

    deinit {
        channel.stop()
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(RecordsError) -> Int {
        if offset == count {
            if !current.isEmpty { channel.recycle(current) }
            current = []
            offset = 0
            count = 0
            switch channel.next() {
            case .bytes(let bytes, let n):
                current = bytes
                count = n
            case .end:
                return 0
            case .failed(let error):
                throw error
            }
        }
        let n = min(buffer.count, count - offset)
        current.withUnsafeBytes { source in
            buffer.baseAddress!.copyMemory(from: source.baseAddress! + offset, byteCount: n)
        }
        offset += n
        return n
    }

    /// What the consumer gets next.
    enum Item {
        case bytes([UInt8], Int)
        case end
        case failed(RecordsError)
    }

    /// Buffers passed between the two threads.
    ///
    /// `@unchecked Sendable`: every stored property is read and written only while `condition` is locked.
    final class Channel: @unchecked Sendable {
        private let condition = NSCondition()
        private var free: [[UInt8]]
        private var filled: [(bytes: [UInt8], count: Int)] = []
        private var ending: Item?
        private var stopped = false

        init(free: [[UInt8]]) {
            self.free = free
        }

        /// Producer: an empty buffer to fill, or nil once the consumer has gone.
        func takeFree() -> [UInt8]? {
            condition.lock()
            defer { condition.unlock() }
            while free.isEmpty && !stopped { condition.wait() }
            return stopped ? nil : free.removeLast()
        }

        /// Producer: a filled buffer, or the end of the stream (`.end` or `.failed`).
        func put(_ item: Item) {
            condition.lock()
            defer { condition.unlock() }
            if case .bytes(let bytes, let n) = item {
                filled.append((bytes, n))
            } else {
                ending = item
            }
            condition.broadcast()
        }

        /// Consumer: the next filled buffer, waiting for the producer when it is behind.
        func next() -> Item {
            condition.lock()
            defer { condition.unlock() }
            while filled.isEmpty && ending == nil { condition.wait() }
            if !filled.isEmpty {
                let first = filled.removeFirst()
                return .bytes(first.bytes, first.count)
            }
            return ending!
        }

        /// Consumer: a buffer it has finished with.
        func recycle(_ buffer: [UInt8]) {
            condition.lock()
            defer { condition.unlock() }
            free.append(buffer)
            condition.broadcast()
        }

        /// Consumer: it is gone; the producer stops at its next wait.
        func stop() {
            condition.lock()
            defer { condition.unlock() }
            stopped = true
            condition.broadcast()
        }
    }

    /// The read-ahead thread's side.
    ///
    /// `@unchecked Sendable`: after `init` hands `inner` over, only the read-ahead thread uses it.
    final class Producer: @unchecked Sendable {
        let inner: any ByteSource
        let channel: Channel

        init(inner: any ByteSource, channel: Channel) {
            self.inner = inner
            self.channel = channel
        }

        func run() {
            while var buffer = channel.takeFree() {
                do {
                    let n = try buffer.withUnsafeMutableBytes { (raw) throws(RecordsError) -> Int in
                        try inner.read(into: raw)
                    }
                    if n == 0 {
                        channel.put(.end)
                        return
                    }
                    channel.put(.bytes(buffer, n))
                } catch {
                    channel.put(.failed(error as? RecordsError ?? RecordsError(code: "records.io", message: "\(error)")))
                    return
                }
            }
        }
    }
}
