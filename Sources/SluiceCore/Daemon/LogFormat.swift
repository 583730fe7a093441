/// How `sluice run` writes its log lines (`log_format:` in sluice.yaml).
///
/// Only `text` is written today; `json` is accepted so that settings files can name it before structured
/// logging lands, and `sluice run` says so at start-up.
public enum LogFormat: String, Sendable, CaseIterable {
    case text
    case json
}
