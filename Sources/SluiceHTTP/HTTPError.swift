/// A transfer that produced no HTTP response; the stable `code` says which kind of failure.
public struct HTTPError: Error, Sendable, CustomStringConvertible {
    /// A stable failure kind; its string is stored and never changes once shipped.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The stable string, e.g. `http.timeout`.
        public let rawValue: String

        /// Creates a code from its stable string.
        public init(_ rawValue: String) { self.rawValue = rawValue }

        /// The connection broke or the peer spoke bad HTTP.
        public static let transport = Code("http.transport")
        /// The connect timeout, the stall detector or the total timeout fired.
        public static let timeout = Code("http.timeout")
        /// The host could not be resolved or refused the connection (proxy included).
        public static let connect = Code("http.connect")
        /// The TLS handshake or certificate verification failed.
        public static let tls = Code("http.tls")
        /// The Swift task was cancelled.
        public static let cancelled = Code("http.cancelled")
        /// The response body exceeded `maxInMemoryResponseBytes`.
        public static let tooLarge = Code("http.too_large")
        /// A local file (upload source or download target) could not be read or written.
        public static let file = Code("http.file")
        /// The request itself is unusable: bad URL, bad header, unsupported scheme.
        public static let invalidRequest = Code("http.invalid_request")

        /// The stable string.
        public var description: String { rawValue }
    }

    /// The kind of failure.
    public var code: Code
    /// libcurl's `CURLcode`, when libcurl reported the failure.
    public var curlCode: Int32?
    /// What happened, including libcurl's error buffer text.
    public var message: String
    /// The request URL with credentials removed.
    public var url: String

    /// Creates an error; `url` is redacted here so no caller can leak credentials through it.
    public init(code: Code, curlCode: Int32? = nil, message: String, url: String) {
        self.code = code
        self.curlCode = curlCode
        self.message = message
        self.url = RedactedURL.string(url)
    }

    /// Whether retrying the same request may succeed.
    public var isTransient: Bool {
        code == .transport || code == .timeout || code == .connect
    }

    /// `code: message (url)`, plus the curl code when there is one.
    public var description: String {
        let curl = curlCode.map { " [curl \($0)]" } ?? ""
        return "\(code): \(message)\(curl) (\(url))"
    }
}
