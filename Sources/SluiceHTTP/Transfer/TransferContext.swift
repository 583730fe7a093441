import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Transfer-wide cancellation flag, set from any thread, read by the progress callback.
final class CancellationFlag: Sendable {
    private let raised = Atomic<Bool>(false)

    /// Asks the transfer to stop at its next progress callback.
    func raise() { raised.store(true, ordering: .relaxed) }

    /// Whether `raise()` was called.
    var isRaised: Bool { raised.load(ordering: .relaxed) }
}

/// The state libcurl's callbacks read and write during one `curl_easy_perform`.
///
/// Passed to libcurl as `Unmanaged` in the `*DATA` options; the transfer keeps a strong reference
/// until `curl_easy_perform` has returned, so the pointer outlives every callback. Only the
/// transfer thread touches the mutable fields.
final class TransferContext {
    /// The `CURL *` of this transfer, for `getinfo` from inside callbacks.
    let handle: UnsafeMutableRawPointer
    let cancellation: CancellationFlag
    let maxInMemoryBytes: Int

    /// Response headers of the latest response; reset at each status line (1xx, then final).
    var headers: [String: String] = [:]
    /// The in-memory body.
    var body: [UInt8] = []
    /// Bytes accepted from libcurl, to memory or file.
    var bodyBytes: Int64 = 0
    /// The open download target (fd), when the request asked for one.
    var downloadFD: Int32 = -1
    /// Whether the current response's body goes to `downloadFD`; decided at its first byte.
    var bodyGoesToFile: Bool?
    /// The open upload source (fd) for `.file` bodies.
    var uploadFD: Int32 = -1

    /// Set when the in-memory limit stopped the transfer.
    var exceededMemoryLimit = false
    /// Set when a local read or write failed; the message names the file and errno.
    var fileFailure: String?

    init(handle: UnsafeMutableRawPointer, cancellation: CancellationFlag, maxInMemoryBytes: Int) {
        self.handle = handle
        self.cancellation = cancellation
        self.maxInMemoryBytes = maxInMemoryBytes
    }

    /// Closes the files this context opened.
    func closeFiles() {
        if downloadFD >= 0 {
            close(downloadFD)
            downloadFD = -1
        }
        if uploadFD >= 0 {
            close(uploadFD)
            uploadFD = -1
        }
    }

    deinit { closeFiles() }
}
