#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A buffered sequential writer to one file, optionally gzip-compressed on the way.
///
/// Nothing is durable until `finish()`, which flushes, ends the gzip stream, fsyncs and closes.
public final class FileSink {
    /// The file being written.
    public let path: String
    /// Bytes that reached the file (the compressed size when gzip).
    public private(set) var bytesWritten: Int64 = 0
    /// Bytes handed to `write` (before compression).
    public private(set) var bytesAccepted: Int64 = 0

    private var descriptor: Int32
    private let buffer: UnsafeMutableRawBufferPointer
    private var buffered = 0
    private let deflater: GzipDeflater?

    /// Creates or truncates `path` (mode 0644 before umask).
    public convenience init(
        path: String,
        gzip: Bool,
        gzipLevel: Int32 = 6,
        bufferSize: Int = 1 << 20
    )
        throws(RecordsError)
    {
        try self.init(path: path, gzip: gzip, gzipLevel: gzipLevel, bufferSize: bufferSize, exclusive: false)
    }

    /// With `exclusive`, fails if `path` exists (O_EXCL) instead of truncating it.
    init(path: String, gzip: Bool, gzipLevel: Int32, bufferSize: Int, exclusive: Bool) throws(RecordsError) {
        precondition(bufferSize > 0, "bufferSize must be positive")
        self.path = path
        deflater = gzip ? try GzipDeflater(level: gzipLevel, path: path) : nil
        descriptor = try Syscall.open(path, O_WRONLY | O_CREAT | (exclusive ? O_EXCL : O_TRUNC), mode: 0o644)
        buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: bufferSize, alignment: 16)
    }

    deinit {
        discard()
        buffer.deallocate()
    }

    /// Whether `finish()` or `discard()` has closed the file.
    public var isClosed: Bool { descriptor < 0 }

    /// Appends bytes.
    public func write(_ bytes: UnsafeRawBufferPointer) throws(RecordsError) {
        guard descriptor >= 0 else { throw closedError() }
        guard let source = bytes.baseAddress, !bytes.isEmpty else { return }
        bytesAccepted += Int64(bytes.count)
        if bytes.count <= buffer.count - buffered {
            (buffer.baseAddress! + buffered).copyMemory(from: source, byteCount: bytes.count)
            buffered += bytes.count
            return
        }
        try flushBuffer()
        if bytes.count >= buffer.count {
            try emit(bytes, finish: false)  // large writes skip the copy into the buffer
        } else {
            buffer.baseAddress!.copyMemory(from: source, byteCount: bytes.count)
            buffered = bytes.count
        }
    }

    /// Appends bytes.
    public func write(_ bytes: [UInt8]) throws(RecordsError) {
        // withUnsafeBytes only rethrows untyped errors, so carry the typed one out in a Result.
        let result = bytes.withUnsafeBytes { raw in Result { () throws(RecordsError) in try write(raw) } }
        try result.get()
    }

    /// Flushes, ends the gzip stream, fsyncs and closes. On failure the file is closed and its content undefined.
    public func finish() throws(RecordsError) {
        guard descriptor >= 0 else { throw closedError() }
        do throws(RecordsError) {
            try flushBuffer()
            if deflater != nil { try emit(UnsafeRawBufferPointer(start: nil, count: 0), finish: true) }
            try Syscall.fsync(descriptor, path: path)
        } catch {
            discard()
            throw error
        }
        let fd = descriptor
        descriptor = -1
        let closeError = Syscall.close(fd)
        // NFS reports some write errors only at close: a failed close means the data may not be there.
        if closeError != 0 { throw .io("close", path: path, errno: closeError) }
    }

    /// Closes the file without flushing or syncing (after a failure, or to throw the output away).
    public func discard() {
        if descriptor >= 0 {
            Syscall.close(descriptor)
            descriptor = -1
        }
        buffered = 0
    }

    private func flushBuffer() throws(RecordsError) {
        guard buffered > 0 else { return }
        let count = buffered
        buffered = 0
        try emit(UnsafeRawBufferPointer(rebasing: buffer[..<count]), finish: false)
    }

    private func emit(_ bytes: UnsafeRawBufferPointer, finish: Bool) throws(RecordsError) {
        if let deflater {
            try deflater.compress(bytes, finish: finish) { (chunk) throws(RecordsError) in try writeToFile(chunk) }
        } else {
            try writeToFile(bytes)
        }
    }

    private func writeToFile(_ bytes: UnsafeRawBufferPointer) throws(RecordsError) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        try Syscall.writeAll(descriptor, base, bytes.count, path: path)
        bytesWritten += Int64(bytes.count)
    }

    private func closedError() -> RecordsError {
        RecordsError(code: RecordsError.Code.io, message: "the file is already closed", path: path, errno: EBADF)
    }
}
