import Logging

/// How `sluice run` behaves; defaults suit a shared folder watched day and night.
///
/// The values come from the defaults here, then `sluice.yaml` (`SettingsFile`), then command-line flags
/// (`DaemonOverrides`), each overriding the one before.
public struct DaemonSettings: Sendable {
    /// A file not arriving by rename must keep its size and mtime this long before it is claimed
    /// (a pipeline's `intake.settle` overrides it).
    public var settle: Duration = .seconds(5)
    /// How often every inbox is listed, events or not (network shares send no inotify events).
    public var rescan: Duration = .seconds(10)
    /// Use inotify for prompt notice of new files; the rescan runs either way.
    public var inotify = true
    /// Files worked on at once; others wait their turn (claimed, so they are not lost).
    public var maxFiles = 4
    /// Uploads and downloads at once across all files.
    public var maxUploads = 2
    public var maxDownloads = 2
    /// How long archived sources and results are kept.
    public var retention: Duration = .seconds(30 * 86_400)
    /// Drain what is in the inbox now, finish it, and return.
    public var once = false
    /// How long to wait before running a drop again whose job failed (a full disk, a broken state file).
    public var jobRetry: Duration = .seconds(30)
    /// The least severe log level written.
    public var logLevel: Logger.Level = .info
    /// How log lines are written: `text` for people, `json` (one object per line) for log shippers.
    public var logFormat: LogFormat = .text
    /// How often the daemon logs a `heartbeat` line with its backlog and the work in flight.
    public var heartbeat: Duration = .seconds(60)
    /// The metrics endpoint (`/metrics`, `/healthz`, `/status`): loopback 9464 unless `sluice.yaml` or
    /// `--metrics-address` says otherwise; nil when turned off (`metrics: off`, `--metrics-address off`).
    public var metrics: MetricsSettings? = .standard
    /// How webhook deliveries (`notify:` in specs) are retried.
    public var webhooks = WebhookSettings()

    public init() {}
}
