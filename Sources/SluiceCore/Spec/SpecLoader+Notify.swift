import Foundation
import SluiceJSON

extension SpecLoader {
    /// `notify: {url, secret_env, failure_rate}`, checked: an http(s) URL, an environment variable name, a rate.
    static func notifySpec(_ top: inout SpecFields) -> NotifySpec? {
        guard top.raw("notify") != nil else { return nil }
        var fields = top.nested("notify")
        defer { top.problems += fields.finish() }
        if fields.raw("secret") != nil {
            // Specs live in git and in shared folders; a secret there is a secret leaked.
            fields.problem(
                "secret", "spec.secret_in_spec",
                "a secret is never written in a spec (specs are shared and versioned): put it in an environment "
                    + "variable and name it with 'secret_env', e.g. secret_env: SLUICE_HOOK_SECRET")
        }
        let url = fields.string("url")
        if fields.object["url"] == nil {
            fields.problem("url", "spec.missing_key", "'url' is required")
        } else if let url, !isWebhookURL(url) {
            fields.problem("url", "spec.invalid_value", "'\(NotifyURL.redacted(url))' is not an http:// or https:// URL")
        }
        let secretEnv = fields.string("secret_env")
        if fields.object["secret_env"] == nil {
            fields.problem(
                "secret_env", "spec.missing_key",
                "'secret_env' is required: the environment variable holding the signing secret")
        } else if let secretEnv, !isEnvName(secretEnv) {
            fields.problem("secret_env", "spec.invalid_value", "'\(secretEnv)' is not an environment variable name")
        }
        var failureRate: Double?
        if let rate = fields.number("failure_rate") {
            if (0...1).contains(rate) {
                failureRate = rate
            } else {
                fields.problem("failure_rate", "spec.out_of_range", "must be between 0 and 1")
            }
        }
        guard let url, let secretEnv else { return nil }
        return NotifySpec(url: url, secretEnv: secretEnv, failureRate: failureRate)
    }

    /// An absolute http or https URL with a host.
    static func isWebhookURL(_ text: String) -> Bool {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
            scheme == "http" || scheme == "https", let host = components.host, !host.isEmpty
        else { return false }
        return true
    }
}
