#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Thin wrappers over the POSIX calls the readers and writers use, named so that they do not collide with
/// `read`/`write`/`close` methods, and retrying `EINTR` once here instead of at every call site.
enum Syscall {
    /// `open(2)`; returns the descriptor or throws with `errno`.
    static func open(_ path: String, _ flags: Int32, mode: mode_t = 0) throws(RecordsError) -> Int32 {
        while true {
            let fd = path.withCString { cPath in
                #if canImport(Glibc)
                Glibc.open(cPath, flags | O_CLOEXEC, mode)
                #else
                Darwin.open(cPath, flags | O_CLOEXEC, mode)
                #endif
            }
            if fd >= 0 { return fd }
            let code = SystemErrorText.current
            if code != EINTR { throw .io("open", path: path, errno: code) }
        }
    }

    /// `read(2)` of at most `count` bytes.
    static func read(
        _ fd: Int32,
        _ base: UnsafeMutableRawPointer,
        _ count: Int,
        path: String
    ) throws(RecordsError)
        -> Int
    {
        while true {
            #if canImport(Glibc)
            let got = Glibc.read(fd, base, count)
            #else
            let got = Darwin.read(fd, base, count)
            #endif
            if got >= 0 { return got }
            let code = SystemErrorText.current
            if code != EINTR { throw .io("read", path: path, errno: code) }
        }
    }

    /// `pread(2)` of at most `count` bytes at `offset`.
    static func pread(
        _ fd: Int32,
        _ base: UnsafeMutableRawPointer,
        _ count: Int,
        at offset: Int64,
        path: String
    )
        throws(RecordsError) -> Int
    {
        while true {
            #if canImport(Glibc)
            let got = Glibc.pread(fd, base, count, off_t(offset))
            #else
            let got = Darwin.pread(fd, base, count, off_t(offset))
            #endif
            if got >= 0 { return got }
            let code = SystemErrorText.current
            if code != EINTR { throw .io("read", path: path, errno: code) }
        }
    }

    /// Writes all `count` bytes, looping over short writes.
    static func writeAll(_ fd: Int32, _ base: UnsafeRawPointer, _ count: Int, path: String) throws(RecordsError) {
        var done = 0
        while done < count {
            #if canImport(Glibc)
            let wrote = Glibc.write(fd, base + done, count - done)
            #else
            let wrote = Darwin.write(fd, base + done, count - done)
            #endif
            if wrote >= 0 {
                done += wrote
                continue
            }
            let code = SystemErrorText.current
            if code != EINTR { throw .io("write", path: path, errno: code) }
        }
    }

    /// `fsync(2)`.
    static func fsync(_ fd: Int32, path: String) throws(RecordsError) {
        while true {
            #if canImport(Glibc)
            let result = Glibc.fsync(fd)
            #else
            let result = Darwin.fsync(fd)
            #endif
            if result == 0 { return }
            let code = SystemErrorText.current
            if code != EINTR { throw .io("fsync", path: path, errno: code) }
        }
    }

    /// `close(2)`; errors are returned, not thrown, because a close after a failed write is cleanup.
    @discardableResult
    static func close(_ fd: Int32) -> Int32 {
        #if canImport(Glibc)
        let result = Glibc.close(fd)
        #else
        let result = Darwin.close(fd)
        #endif
        // Linux closes the descriptor even when close reports EINTR, so never retry.
        return result == 0 ? 0 : SystemErrorText.current
    }
}
