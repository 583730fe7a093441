import SluiceCore

/// The ops endpoint's address and protection, checked before anything listens.
public struct OpsEndpoint: Sendable {
    public var host: String
    public var port: Int
    public var auth: BearerCheck
    /// The built-in default address (no setting named it): a taken port is a warning, not fatal.
    public var isDefault: Bool

    /// `metrics` resolved against the environment: a non-loopback address needs `token_env`, and a named token
    /// variable must be set (an unset one would silently leave the endpoint open).
    public init(_ metrics: MetricsSettings, environment: [String: String]) throws(OpsError) {
        host = metrics.host
        port = metrics.port
        isDefault = metrics.isDefault
        let address = Self.text(host: host, port: port)
        if let name = metrics.tokenEnv {
            guard let token = environment[name], !token.isEmpty else {
                throw OpsError(
                    code: "ops.token_missing",
                    message: "metrics.token_env names \(name), which is not set or empty; set it or remove token_env")
            }
            auth = BearerCheck(token: token)
        } else {
            guard Self.isLoopback(host) else {
                throw OpsError(
                    code: "ops.unprotected_address",
                    message: "the metrics endpoint \(address) is not a loopback address and has no bearer token: "
                        + "set metrics.token_env in sluice.yaml, or listen on 127.0.0.1 or [::1]")
            }
            auth = BearerCheck(token: nil)
        }
    }

    public var address: String { Self.text(host: host, port: port) }

    static func text(host: String, port: Int) -> String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// Loopback by name or number: `localhost`, 127.0.0.0/8, `::1`.
    static func isLoopback(_ host: String) -> Bool {
        if host == "localhost" || host == "::1" { return true }
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { UInt8($0) != nil }
    }
}
