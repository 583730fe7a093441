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
    /// One text without overhead (the embeddings input).
    case text
}

extension RequestLine {
    /// The estimated input tokens of the line `render` just wrote into `line`, with the template offsets it
    /// set in `templates`.
    public func inputTokens(of line: [UInt8], templates offsets: [Int]) -> Double {
        line.withUnsafeBytes { bytes in
            func text(_ k: Int) -> Double {
                if let constant = templates[k].constantTokens { return constant }
                let content = UnsafeRawBufferPointer(rebasing: bytes[offsets[2 * k]..<offsets[2 * k + 1]])
                return TokenEstimator.tokens(jsonContent: content)
            }
            switch tokens {
            case .text:
                return templates.isEmpty ? 0 : text(0)
            case .chat:
                var total = Double(TokenEstimator.tokensPerRequest)
                for k in templates.indices { total = total + text(k) + Double(TokenEstimator.tokensPerMessage) }
                return total
            }
        }
    }
}
