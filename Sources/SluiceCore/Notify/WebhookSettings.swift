/// How webhook deliveries are retried (`webhooks:` in sluice.yaml).
public struct WebhookSettings: Sendable, Equatable {
    /// The wait after the first failed attempt; it doubles after each further one.
    public var initialBackoff: Duration = .seconds(5)
    /// The longest wait between two attempts.
    public var maxBackoff: Duration = .seconds(600)
    /// A delivery still failing this long after it was enqueued is abandoned (and logged as an error).
    public var giveUpAfter: Duration = .seconds(24 * 3600)

    public init() {}

    public init(initialBackoff: Duration, maxBackoff: Duration, giveUpAfter: Duration) {
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
        self.giveUpAfter = giveUpAfter
    }
}

extension SettingsFile {
    /// `webhooks: {initial_backoff, max_backoff, give_up_after}`; absent: the defaults.
    static func webhooks(_ top: inout SpecFields) -> WebhookSettings {
        var settings = WebhookSettings()
        var fields = top.nested("webhooks")
        defer { top.problems += fields.finish() }
        if let d = fields.duration("initial_backoff") {
            if d > .zero { settings.initialBackoff = d } else {
                fields.problem("initial_backoff", "spec.out_of_range", "must be longer than 0")
            }
        }
        if let d = fields.duration("max_backoff") { settings.maxBackoff = d }
        if let d = fields.duration("give_up_after") { settings.giveUpAfter = d }
        if settings.initialBackoff > settings.maxBackoff {
            fields.problem("initial_backoff", "spec.out_of_range", "initial_backoff is longer than max_backoff")
        }
        return settings
    }
}
