internal import CCurl

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Process-wide libcurl set-up, done once before the first transfer.
enum CurlRuntime {
    /// The result of `curl_global_init`, computed once.
    ///
    /// A `static let` is initialised lazily under `swift_once`, so concurrent first requests run the
    /// set-up exactly once. libcurl reference-counts `curl_global_init`, so an executable that also
    /// calls it in `main` is fine.
    private static let initResult: Int32 = {
        // A peer closing the socket mid-write raises SIGPIPE inside OpenSSL; the default action kills
        // the process. Only SIGPIPE is ignored: SIGTERM/SIGINT must stay with libdispatch.
        _ = signal(SIGPIPE, SIG_IGN)
        return Int32(bitPattern: sluice_curl_global_init_all().rawValue)
    }()

    /// Runs the one-time set-up; returns the failure message if libcurl could not initialise.
    static func ensureInitialized() -> String? {
        let code = initResult
        return code == 0 ? nil : "curl_global_init failed with CURLcode \(code)"
    }
}
