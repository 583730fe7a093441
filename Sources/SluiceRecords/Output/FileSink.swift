#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// A buffered sequential writer to one file, optionally gzip-compressed on the way.
///
/// Nothing is durable until `finish()`, which flushes, ends the gzip stream, fsyncs and closes. With
/// `writeBehind`, full buffers are compressed and written on a thread of the sink's own (`WriteBehind`); an error
/// there is thrown by a later `write` or by `finish`.
public final class FileSink {
    /// The file being written.
    public let path: String
    /// Bytes that reached the file (the compressed size when gzip); with `writeBehind`, exact after `finish()`.
    public var bytesWritten: Int64 { file.written.load(ordering: .relaxed) }
    /// Bytes handed to `write` (before compression).
    public private(set) var bytesAccepted: Int64 = 0

    private let file: Output
    private var buffer: UnsafeMutableRawBufferPointer
    private var buffered = 0
    private let behind: WriteBehind?

    /// Creates or truncates `path` (mode 0644 before umask).
    public convenience init(
        path: String,
        gzip: Bool,
        gzipLevel: Int32 = 6,
        bufferSize: Int = 1 << 20,
        writeBehind: Bool = false
    )
        throws(RecordsError)
    {
        try self.init(
            path: path, gzip: gzip, gzipLevel: gzipLevel, bufferSize: bufferSize, exclusive: false,
            writeBehind: writeBehind)
    }

    /// With `exclusive`, fails if `path` exists (O_EXCL) instead of truncating it.
    init(
        path: String, gzip: Bool, gzipLevel: Int32, bufferSize: Int, exclusive: Bool, writeBehind: Bool = false
    ) throws(RecordsError) {
        precondition(bufferSize > 0, "bufferSize must be positive")
        self.path = path
        let deflater = gzip ? try GzipDeflater(level: gzipLevel, path: path) : nil
        let descriptor = try Syscall.open(path, O_WRONLY | O_CREAT | (exclusive ? O_EXCL : O_TRUNC), mode: 0o644)
        file = Output(path: path, descriptor: descriptor, deflater: deflater)
        if writeBehind {
            // Four buffers: one filling, one compressing, two queued; enough to ride out a slow write.
            let behind = WriteBehind(bufferSize: bufferSize, depth: 4) { [file] (bytes, finish) throws(RecordsError) in
                try file.emit(bytes, finish: finish)
            }
            self.behind = behind
            buffer = behind.initial
        } else {
            behind = nil
            buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: bufferSize, alignment: 16)
        }
    }

    deinit {
        discard()
        if behind == nil { buffer.deallocate() }
    }

    /// Whether `finish()` or `discard()` has closed the file.
    public var isClosed: Bool { file.descriptor < 0 }

    /// Appends bytes.
    public func write(_ bytes: UnsafeRawBufferPointer) throws(RecordsError) {
        guard file.descriptor >= 0 else { throw closedError() }
        guard var source = bytes.baseAddress, !bytes.isEmpty else { return }
        bytesAccepted += Int64(bytes.count)
        if bytes.count <= buffer.count - buffered {
            (buffer.baseAddress! + buffered).copyMemory(from: source, byteCount: bytes.count)
            buffered += bytes.count
            return
        }
        try flushBuffer()
        if behind == nil && bytes.count >= buffer.count {
            try file.emit(bytes, finish: false)  // large writes skip the copy into the buffer
            return
        }
        // The write-behind thread owns what it is handed, so large writes go through the buffers too.
        var remaining = bytes.count
        while remaining > buffer.count {
            buffer.baseAddress!.copyMemory(from: source, byteCount: buffer.count)
            buffered = buffer.count
            try flushBuffer()
            source += buffer.count
            remaining -= buffer.count
        }
        buffer.baseAddress!.copyMemory(from: source, byteCount: remaining)
        buffered = remaining
    }

    /// Appends bytes.
    public func write(_ bytes: [UInt8]) throws(RecordsError) {
        // withUnsafeBytes only rethrows untyped errors, so carry the typed one out in a Result.
        let result = bytes.withUnsafeBytes { raw in Result { () throws(RecordsError) in try write(raw) } }
        try result.get()
    }

    /// Flushes, ends the gzip stream, fsyncs and closes. On failure the file is closed and its content undefined.
    public func finish() throws(RecordsError) {
        guard file.descriptor >= 0 else { throw closedError() }
        do throws(RecordsError) {
            if let behind {
                let count = buffered
                buffered = 0
                buffer = try behind.hand(buffer, count: count, finish: true)
                try behind.drain()
                behind.stop()
            } else {
                try flushBuffer()
                if file.deflater != nil { try file.emit(UnsafeRawBufferPointer(start: nil, count: 0), finish: true) }
            }
            try Syscall.fsync(file.descriptor, path: path)
        } catch {
            discard()
            throw error
        }
        let fd = file.descriptor
        file.descriptor = -1
        let closeError = Syscall.close(fd)
        // NFS reports some write errors only at close: a failed close means the data may not be there.
        if closeError != 0 { throw .io("close", path: path, errno: closeError) }
    }

    /// Closes the file without flushing or syncing (after a failure, or to throw the output away).
    public func discard() {
        // The write-behind thread must be out of `emit` before the descriptor is closed (and maybe reused).
        behind?.stop()
        if file.descriptor >= 0 {
            Syscall.close(file.descriptor)
            file.descriptor = -1
        }
        buffered = 0
    }

    private func flushBuffer() throws(RecordsError) {
        guard buffered > 0 else { return }
        let count = buffered
        buffered = 0
        if let behind {
            buffer = try behind.hand(buffer, count: count, finish: false)
        } else {
            try file.emit(UnsafeRawBufferPointer(rebasing: buffer[..<count]), finish: false)
        }
    }

    private func closedError() -> RecordsError {
        RecordsError(code: RecordsError.Code.io, message: "the file is already closed", path: path, errno: EBADF)
    }

    /// The file's descriptor and compressor: used by the owner, or by the write-behind thread while one runs.
    ///
    /// `@unchecked Sendable`: while a `WriteBehind` runs, only its thread calls `emit`; the owner changes
    /// `descriptor` only after stopping it. `written` is atomic because the owner may read it at any time.
    final class Output: @unchecked Sendable {
        let path: String
        var descriptor: Int32
        let deflater: GzipDeflater?
        let written = Atomic<Int64>(0)

        init(path: String, descriptor: Int32, deflater: GzipDeflater?) {
            self.path = path
            self.descriptor = descriptor
            self.deflater = deflater
        }

        /// Compresses (when gzip) and writes `bytes`; `finish` ends the gzip stream.
        func emit(_ bytes: UnsafeRawBufferPointer, finish: Bool) throws(RecordsError) {
            if let deflater {
                try deflater.compress(bytes, finish: finish) { (chunk) throws(RecordsError) in try writeToFile(chunk) }
            } else {
                try writeToFile(bytes)
            }
        }

        private func writeToFile(_ bytes: UnsafeRawBufferPointer) throws(RecordsError) {
            guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
            try Syscall.writeAll(descriptor, base, bytes.count, path: path)
            written.add(Int64(bytes.count), ordering: .relaxed)
        }
    }
}
