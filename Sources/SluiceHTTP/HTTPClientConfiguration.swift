/// Transfer settings shared by every request of one `HTTPClient`.
public struct HTTPClientConfiguration: Sendable {
    /// Upper bound for establishing the connection, TLS included.
    public var connectTimeout: Duration
    /// Bytes per second below which a transfer counts as stalled (CURLOPT_LOW_SPEED_LIMIT).
    public var lowSpeedLimit: Int
    /// How long a transfer may stay under `lowSpeedLimit` before it fails with `http.timeout`.
    ///
    /// Stall detection replaces a total timeout so that a long, healthy upload is never killed.
    public var lowSpeedTime: Duration
    /// An optional cap on the whole transfer; `nil` (the default) means none.
    public var totalTimeout: Duration?
    /// Largest response body kept in memory; a larger one fails with `http.too_large`.
    public var maxInMemoryResponseBytes: Int
    /// The `User-Agent` header sent with every request.
    public var userAgent: String
    /// Whether to verify the server's TLS certificate and host name; on unless a test turns it off.
    public var verifyTLS: Bool
    /// A CA bundle file to verify against instead of the system default.
    public var caInfo: String?
    /// How many idle libcurl handles (and their keep-alive connections) the client keeps.
    public var maxIdleHandles: Int

    /// The version sent in the default `User-Agent`.
    public static let version = "0.1.0"

    /// Creates a configuration; every default suits talking to a provider API.
    public init(
        connectTimeout: Duration = .seconds(10),
        lowSpeedLimit: Int = 1,
        lowSpeedTime: Duration = .seconds(60),
        totalTimeout: Duration? = nil,
        maxInMemoryResponseBytes: Int = 64 << 20,
        userAgent: String = "sluice/\(HTTPClientConfiguration.version)",
        verifyTLS: Bool = true,
        caInfo: String? = nil,
        maxIdleHandles: Int = 8
    ) {
        self.connectTimeout = connectTimeout
        self.lowSpeedLimit = lowSpeedLimit
        self.lowSpeedTime = lowSpeedTime
        self.totalTimeout = totalTimeout
        self.maxInMemoryResponseBytes = maxInMemoryResponseBytes
        self.userAgent = userAgent
        self.verifyTLS = verifyTLS
        self.caInfo = caInfo
        self.maxIdleHandles = maxIdleHandles
    }
}

extension Duration {
    /// Whole milliseconds, rounded up so a small positive duration never becomes 0 ("no limit").
    var wholeMilliseconds: Int {
        let (seconds, attoseconds) = components
        let millis = seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
        return Int(clamping: millis)
    }

    /// Whole seconds, rounded up and at least 1 (libcurl's LOW_SPEED_TIME granularity).
    var wholeSecondsAtLeastOne: Int {
        max(1, (wholeMilliseconds + 999) / 1000)
    }
}
