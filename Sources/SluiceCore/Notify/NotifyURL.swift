import Foundation

/// Webhook URLs as logs, errors and status show them.
public enum NotifyURL {
    /// The URL without its query and fragment (a receiver's token often rides there) and without `user:pass@`.
    public static func redacted(_ url: String) -> String {
        var result = url
        if let cut = result.firstIndex(where: { $0 == "?" || $0 == "#" }) {
            result = String(result[..<cut]) + "?…"
        }
        if let schemeEnd = result.range(of: "://") {
            let authorityEnd = result[schemeEnd.upperBound...].firstIndex(where: { "/?#".contains($0) }) ?? result.endIndex
            if let at = result[schemeEnd.upperBound..<authorityEnd].lastIndex(of: "@") {
                result.replaceSubrange(schemeEnd.upperBound...at, with: "")
            }
        }
        return result
    }
}
