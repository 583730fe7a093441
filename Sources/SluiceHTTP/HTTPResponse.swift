/// A received response; non-2xx statuses arrive here too, they are not errors.
public struct HTTPResponse: Sendable {
    /// The final HTTP status code.
    public var status: Int
    /// Headers of the final response; names lowercased, the last occurrence wins.
    public var headers: [String: String]
    /// The body, empty when it streamed into `HTTPRequest.responseBodyFile`.
    public var body: [UInt8]
    /// Body bytes received (after content decoding), in memory or in the file.
    public var bodyBytes: Int64

    /// Creates a response; used by the client and by tests.
    public init(status: Int, headers: [String: String] = [:], body: [UInt8] = [], bodyBytes: Int64? = nil) {
        self.status = status
        self.headers = headers
        self.body = body
        self.bodyBytes = bodyBytes ?? Int64(body.count)
    }

    /// Whether the status is 2xx.
    public var isSuccess: Bool { (200..<300).contains(status) }

    /// The body decoded as UTF-8, replacing invalid sequences.
    public var bodyText: String { String(decoding: body, as: UTF8.self) }
}
