#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Text for `errno` values, kept next to the number in `RecordsError`.
enum SystemErrorText {
    /// "No such file or directory (errno 2)".
    static func describe(_ code: Int32) -> String {
        // glibc's strerror returns static text for known codes and a thread-local buffer otherwise.
        "\(String(cString: strerror(code))) (errno \(code))"
    }

    /// The calling thread's current `errno`.
    static var current: Int32 { errno }
}
