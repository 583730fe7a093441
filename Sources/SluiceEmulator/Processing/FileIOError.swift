#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A failed file system call, keeping its errno.
struct FileIOError: Error, CustomStringConvertible {
    /// Stable code, `emulator.io`.
    let code = "emulator.io"
    /// The call that failed, e.g. `open`.
    let operation: String
    /// The path involved.
    let path: String
    /// The errno value.
    let errno: Int32

    var description: String {
        "\(operation) \(path): \(String(cString: strerror(errno)))"
    }

    /// The error for the current `errno`.
    static func current(_ operation: String, _ path: String) -> FileIOError {
        #if canImport(Glibc)
        FileIOError(operation: operation, path: path, errno: Glibc.errno)
        #else
        FileIOError(operation: operation, path: path, errno: Darwin.errno)
        #endif
    }
}
