/// Sends one webhook POST. The engine has no HTTP client: `SluiceProviders` implements this over libcurl.
public protocol WebhookSender: Sendable {
    /// POSTs `body` to `url` with `headers`; returns the HTTP status (any status, 2xx or not).
    /// Throws a `WebhookSendError` when no response came (connect, TLS, timeout), `CancellationError` when cancelled.
    func post(url: String, headers: [(name: String, value: String)], body: [UInt8]) async throws -> Int
}

/// A POST that got no HTTP response. Its message never holds the URL's query (it may carry a token).
public struct WebhookSendError: Error, Sendable, CustomStringConvertible {
    /// A stable code, e.g. `http.connect`.
    public var code: String
    public var message: String

    public init(code: String, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }
}
