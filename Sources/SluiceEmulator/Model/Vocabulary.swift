/// Plausible words and formatted strings for generated text.
enum Vocabulary {
    /// Common English words, short enough that length limits are easy to meet.
    static let words: [String] = [
        "account", "action", "address", "agent", "amount", "answer", "apple", "area", "basket", "battery",
        "billing", "blue", "board", "branch", "bright", "budget", "button", "cable", "calm", "card",
        "careful", "carrier", "case", "center", "change", "charge", "check", "city", "clear", "client",
        "cloud", "code", "color", "comment", "common", "company", "complete", "contact", "copy", "cost",
        "country", "credit", "customer", "daily", "data", "date", "delay", "delivery", "detail", "device",
        "direct", "discount", "document", "double", "early", "easy", "email", "energy", "error", "event",
        "exact", "express", "fair", "fast", "feature", "field", "file", "final", "first", "fixed",
        "flight", "focus", "format", "fresh", "friendly", "full", "garden", "general", "gift", "good",
        "green", "group", "guide", "handle", "happy", "health", "help", "high", "home", "hour",
        "idea", "image", "important", "invoice", "issue", "item", "journey", "key", "kind", "label",
        "large", "late", "level", "light", "limit", "line", "list", "local", "long", "loyal",
        "machine", "manual", "market", "member", "message", "method", "middle", "minor", "model", "modern",
        "month", "morning", "native", "network", "new", "next", "night", "normal", "note", "number",
        "offer", "office", "open", "option", "order", "origin", "owner", "package", "page", "partner",
        "payment", "people", "period", "person", "phone", "place", "plan", "plain", "point", "policy",
        "price", "print", "priority", "problem", "process", "product", "profile", "quality", "quick", "quiet",
        "range", "rapid", "rate", "reason", "record", "refund", "region", "reply", "report", "request",
        "result", "return", "review", "river", "route", "safe", "sample", "schedule", "screen", "search",
        "season", "second", "secure", "service", "setting", "shipping", "short", "signal", "simple", "size",
        "small", "smart", "software", "solid", "sound", "source", "special", "speed", "spring", "stable",
        "standard", "status", "steady", "store", "story", "strong", "summary", "support", "system", "table",
        "target", "team", "ticket", "time", "today", "total", "track", "travel", "update", "urgent",
        "useful", "user", "value", "version", "view", "visit", "warm", "water", "week", "window",
    ]

    /// Words joined by spaces, at least `minLength` and at most `maxLength` characters long.
    static func text(minLength: Int, maxLength: Int, random: inout SplitMix64) -> String {
        let upper = max(0, maxLength)
        let lower = min(max(0, minLength), upper)
        guard upper > 0 else { return "" }
        let floor = max(lower, min(upper, 3))
        let target = random.int(in: floor...max(floor, min(upper, lower + 40)))
        var text = ""
        while text.count < target {
            if !text.isEmpty { text += " " }
            text += random.pick(words)
        }
        if text.count > target {
            text = String(text.prefix(target))
            while text.hasSuffix(" ") && text.count > lower { text.removeLast() }
        }
        while text.count < lower { text += "x" }
        return text
    }

    /// A sentence of `count` words with a capital first letter and a full stop.
    static func sentence(words count: Int, random: inout SplitMix64) -> String {
        var parts: [String] = []
        for _ in 0..<max(1, count) { parts.append(random.pick(words)) }
        let joined = parts.joined(separator: " ")
        return joined.prefix(1).uppercased() + joined.dropFirst() + "."
    }

    /// A string in a JSON Schema `format`, or nil for formats not generated.
    static func formatted(_ format: String, random: inout SplitMix64) -> String? {
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        switch format {
        case "date":
            return "20\(two(random.int(in: 20...29)))-\(two(random.int(in: 1...12)))-\(two(random.int(in: 1...28)))"
        case "date-time":
            let date = formatted("date", random: &random)!
            return date + "T" + formatted("time", random: &random)!
        case "time":
            return "\(two(random.int(in: 0...23))):\(two(random.int(in: 0...59))):\(two(random.int(in: 0...59)))Z"
        case "duration":
            return "P\(random.int(in: 1...30))DT\(random.int(in: 0...23))H"
        case "email":
            return "\(random.pick(words)).\(random.pick(words))@example.com"
        case "hostname":
            return "\(random.pick(words)).example.com"
        case "uri", "url", "iri":
            return "https://example.com/\(random.pick(words))/\(random.int(in: 1...999))"
        case "ipv4":
            return (0..<4).map { _ in String(random.int(in: 1...254)) }.joined(separator: ".")
        case "ipv6":
            return "2001:db8:" + (0..<6).map { _ in random.hex(4) }.joined(separator: ":")
        case "uuid":
            let h = random.hex(32)
            let c = Array(h)
            let variant = Array("89ab")[random.below(4)]
            return String(c[0..<8]) + "-" + String(c[8..<12]) + "-4" + String(c[13..<16]) + "-" + String(variant)
                + String(c[17..<20]) + "-" + String(c[20..<32])
        default:
            return nil
        }
    }
}
