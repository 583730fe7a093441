/// Where a pipeline's webhooks go (`notify:` in a spec): one signed POST per manifest, hold and alert.
public struct NotifySpec: Sendable, Equatable {
    /// The receiver: an absolute `http` or `https` URL (its query may carry a token: logs show it without one).
    public var url: String
    /// The environment variable holding the HMAC secret. The secret itself never enters a spec, state or log.
    public var secretEnv: String
    /// A `failure_rate` alert is sent, besides `complete`, when failed / rows_in reaches this; nil: never.
    public var failureRate: Double?

    public init(url: String, secretEnv: String, failureRate: Double? = nil) {
        self.url = url
        self.secretEnv = secretEnv
        self.failureRate = failureRate
    }
}
