/// Where the daemon's metrics endpoint listens (`metrics:` in sluice.yaml); parsed and validated here,
/// served by the metrics server.
public struct MetricsSettings: Sendable, Equatable {
    /// The address used when `metrics:` names none: loopback only, Prometheus' port for exporters.
    public static let defaultAddress = "127.0.0.1:9464"

    /// Host name or IP address (IPv6 without its brackets).
    public var host: String
    /// TCP port; 0 asks for any free one.
    public var port: Int
    /// The environment variable holding the bearer token scrapers must send; nil: no token asked.
    public var tokenEnv: String?

    /// True when no setting named the endpoint (the built-in default): a taken port is then a warning, not a
    /// fatal error, so two roots' daemons on one machine both run (the second without an endpoint).
    public var isDefault: Bool

    public init(host: String, port: Int, tokenEnv: String? = nil, isDefault: Bool = false) {
        self.host = host
        self.port = port
        self.tokenEnv = tokenEnv
        self.isDefault = isDefault
    }

    /// Served when neither sluice.yaml nor a flag says otherwise: loopback, no token.
    public static let standard = MetricsSettings(host: "127.0.0.1", port: 9464, isDefault: true)

    /// `HOST:PORT` or `[IPV6]:PORT` split in two; nil when the text is neither.
    public static func parseAddress(_ text: String) -> (host: String, port: Int)? {
        let host: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                return nil
            }
            host = text[text.index(after: text.startIndex)..<close]
            portText = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":") else { return nil }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
            // An unbracketed IPv6 address is ambiguous: is the last group the port?
            if host.contains(":") { return nil }
        }
        let hostOK = !host.isEmpty && !host.contains(where: { $0 == " " || $0 == "/" || $0 == "[" || $0 == "]" })
        guard hostOK, portText.allSatisfy(\.isASCII), let port = Int(portText), (0...65_535).contains(port) else {
            return nil
        }
        return (String(host), port)
    }
}
