/// How `sluice run` and `sluice process` write their log lines (`log_format:` in sluice.yaml, `--log-format`).
///
/// `text` is swift-log's stream format for people; `json` is one object per line (`ts`, `level`, `msg`, then the
/// metadata) for log shippers.
public enum LogFormat: String, Sendable, CaseIterable {
    case text
    case json
}
