import Foundation

/// Removes credentials from URLs before they reach errors or logs.
public enum RedactedURL {
    /// Query parameter names whose values are treated as credentials (matched as substrings).
    static let secretQueryWords = ["key", "token", "secret", "password", "signature", "sig", "auth", "credential"]

    /// The URL without `user:password@` and with credential-looking query values replaced.
    public static func string(_ url: String) -> String {
        var result = url
        // Userinfo sits between "scheme://" and the first "@" before the path.
        if let schemeEnd = result.range(of: "://") {
            let authorityEnd =
                result[schemeEnd.upperBound...].firstIndex(where: { "/?#".contains($0) })
                ?? result.endIndex
            if let at = result[schemeEnd.upperBound..<authorityEnd].lastIndex(of: "@") {
                result.replaceSubrange(schemeEnd.upperBound...at, with: "")
            }
        }
        guard let question = result.firstIndex(of: "?") else { return result }
        let fragmentStart = result[question...].firstIndex(of: "#") ?? result.endIndex
        let query = result[result.index(after: question)..<fragmentStart]
        let pairs = query.split(separator: "&", omittingEmptySubsequences: false).map { pair -> String in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = parts[0].lowercased()
            guard parts.count == 2, secretQueryWords.contains(where: { name.contains($0) }) else {
                return String(pair)
            }
            return "\(parts[0])=<redacted>"
        }
        result.replaceSubrange(result.index(after: question)..<fragmentStart, with: pairs.joined(separator: "&"))
        return result
    }
}
