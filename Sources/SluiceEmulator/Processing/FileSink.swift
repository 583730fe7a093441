#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Appends bytes to a file through a 1 MB buffer, so result lines go out in big writes.
///
/// Blocking and single-threaded: owned by one processing thread at a time.
final class FileSink {
    let path: String
    private let fd: Int32
    private var buffer: [UInt8] = []
    private let flushThreshold: Int
    /// Lines appended with `appendLine`.
    private(set) var lines = 0

    /// Creates (or truncates) the file at `path`.
    init(path: String, flushThreshold: Int = 1 << 20) throws {
        self.path = path
        self.flushThreshold = flushThreshold
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw FileIOError.current("open", path) }
    }

    deinit {
        close(fd)
    }

    /// Appends one line (the bytes plus `\n`).
    func appendLine(_ bytes: [UInt8]) throws {
        buffer.append(contentsOf: bytes)
        buffer.append(0x0A)
        lines += 1
        if buffer.count >= flushThreshold { try flush() }
    }

    /// Appends raw bytes.
    func append(_ bytes: UnsafeRawBufferPointer) throws {
        if buffer.count + bytes.count > flushThreshold { try flush() }
        if bytes.count >= flushThreshold {
            try writeAll(bytes)
        } else {
            buffer.append(contentsOf: bytes)
        }
    }

    /// Appends one byte.
    func appendByte(_ byte: UInt8) throws {
        buffer.append(byte)
        if buffer.count >= flushThreshold { try flush() }
    }

    /// Writes out everything buffered.
    func flush() throws {
        guard !buffer.isEmpty else { return }
        try buffer.withUnsafeBytes { try writeAll($0) }
        buffer.removeAll(keepingCapacity: true)
    }

    private func writeAll(_ bytes: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < bytes.count {
            let n = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                throw FileIOError.current("write", path)
            }
            offset += n
        }
    }
}
