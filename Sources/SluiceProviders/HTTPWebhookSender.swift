import SluiceCore
import SluiceHTTP

/// The engine's `WebhookSender` over the libcurl client.
public struct HTTPWebhookSender: WebhookSender {
    let client: HTTPClient

    /// A client of its own: a receiver that stalls must not hold a provider's connections, and a webhook is small,
    /// so a total timeout (which a provider upload could not have) bounds how long shutdown waits for one POST.
    public init() {
        client = HTTPClient(
            configuration: HTTPClientConfiguration(
                connectTimeout: .seconds(5), lowSpeedTime: .seconds(10), totalTimeout: .seconds(15), maxIdleHandles: 2))
    }

    public func post(url: String, headers: [(name: String, value: String)], body: [UInt8]) async throws -> Int {
        let request = HTTPRequest(
            method: "POST", url: url, headers: headers.map { HTTPHeader($0.name, $0.value) },
            body: .bytes(body, contentType: "application/json"))
        do {
            // The response body is not read: a 2xx is all a receiver has to say.
            return try await client.execute(request).status
        } catch let error {
            if error.code == .cancelled { throw CancellationError() }
            // Without the URL: HTTPError keeps a query it does not recognise as secret, and a receiver's token may be
            // named anything. The courier logs the URL redacted.
            throw WebhookSendError(code: error.code.rawValue, message: error.message)
        }
    }
}
