#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A plain file read sequentially with `read(2)` straight into the caller's (large) buffer.
public final class FileByteSource: ByteSource {
    /// The path the file was opened from.
    public let path: String
    /// Bytes read from the file so far (for progress).
    public private(set) var bytesRead: Int64 = 0
    /// The file's size when it was opened.
    public let fileSize: Int64
    private var descriptor: Int32

    /// Opens `path` for reading; a folder is refused with `EISDIR`.
    public init(path: String) throws(RecordsError) {
        let fd = try Syscall.open(path, O_RDONLY)
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let code = SystemErrorText.current
            Syscall.close(fd)
            throw .io("fstat", path: path, errno: code)
        }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            Syscall.close(fd)
            throw .io("open", path: path, errno: EISDIR)
        }
        #if canImport(Glibc)
        // A hint only: the kernel reads further ahead for sequential scans.
        _ = posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL)
        #endif
        self.path = path
        self.descriptor = fd
        self.fileSize = Int64(info.st_size)
    }

    deinit { close() }

    /// Reads the next bytes.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(RecordsError) -> Int {
        guard descriptor >= 0 else { throw .io("read", path: path, errno: EBADF) }
        guard let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
        let count = try Syscall.read(descriptor, base, buffer.count, path: path)
        bytesRead += Int64(count)
        return count
    }

    /// Reads up to `count` bytes at `offset` without moving the read position (to sniff magic bytes).
    public func peek(count: Int, at offset: Int64 = 0) throws(RecordsError) -> [UInt8] {
        guard descriptor >= 0 else { throw .io("read", path: path, errno: EBADF) }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(count, 1), alignment: 1)
        defer { buffer.deallocate() }
        var filled = 0
        while filled < count {
            let got = try Syscall.pread(
                descriptor,
                buffer.baseAddress! + filled,
                count - filled,
                at: offset + Int64(filled),
                path: path
            )
            if got == 0 { break }
            filled += got
        }
        return Array(UnsafeRawBufferPointer(rebasing: buffer[..<filled]))
    }

    /// Closes the file; later reads fail. Called by `deinit` too.
    public func close() {
        if descriptor >= 0 {
            Syscall.close(descriptor)
            descriptor = -1
        }
    }
}
