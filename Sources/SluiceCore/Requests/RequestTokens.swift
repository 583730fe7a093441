/// How a request line's estimated input tokens follow from its texts: the same figure `ChunkTokens` reads back
/// from a chunk, made while the line is rendered.
///
/// Every template of a line is a message text (system and user, or the embeddings input), so counting the
/// texts where `render` put them gives the measure without parsing the line again (issue 8: reading 1M staged
/// requests back, twice, was a third of `process`'s CPU).
public enum RequestTokens: Sendable {
    /// Chat messages (OpenAI chat, Anthropic system and messages): each text plus OpenAI's per-message and
    /// per-request overhead, as `TokenEstimator.chatTokens` adds them.
    case chat
    /// The texts without overhead (the embeddings input, the line's one template).
    case text

    /// The request's tokens from the counts of its `count` texts, each asked for once, in order.
    @inline(__always)
    func total(of count: Int, text: (Int) -> Double) -> Double {
        switch self {
        case .text:
            var total = 0.0
            for k in 0..<count { total += text(k) }
            return total
        case .chat:
            var total = Double(TokenEstimator.tokensPerRequest)
            for k in 0..<count { total = total + text(k) + Double(TokenEstimator.tokensPerMessage) }
            return total
        }
    }
}

extension RequestLine {
    /// The estimated input tokens of the line `render` just wrote into `line`, with the template offsets it
    /// set in `templates`.
    public func inputTokens(of line: [UInt8], templates offsets: [Int]) -> Double {
        line.withUnsafeBytes { bytes in
            tokens.total(of: templates.count) { k in
                if let constant = templates[k].constantTokens { return constant }
                return TokenEstimator.tokens(
                    jsonContent: UnsafeRawBufferPointer(rebasing: bytes[offsets[2 * k]..<offsets[2 * k + 1]]))
            }
        }
    }
}
