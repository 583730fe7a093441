import Foundation
import SluiceJSON
import SluiceRecords

/// The requests of staged chunk files and their estimated input tokens.
///
/// The one measure of what a file sends: `sluice estimate` applies it to the chunks it stages into a temporary
/// folder, the budget guard to a drop's own staged chunks before the first one is submitted.
public struct ChunkTokens: Sendable {
    /// What the chunk files hold.
    public struct Measure: Sendable, Equatable {
        /// Request lines, and those with distinct rendered bodies (what dedupe would send).
        public var requests = 0
        public var uniqueRequests = 0
        /// Estimated input tokens of every request, and of the unique ones only.
        public var inputTokens = 0
        public var uniqueInputTokens = 0
        /// Requests the result cache answers, and what would be sent after the cache and dedupe.
        public var cachedRequests = 0
        public var requestsToSend = 0
        public var inputTokensToSend = 0
    }

    let spec: PipelineSpec
    let wireFormat: WireFormat

    /// A measure of `spec`'s requests rendered in `wireFormat`.
    public init(spec: PipelineSpec, wireFormat: WireFormat) {
        self.spec = spec
        self.wireFormat = wireFormat
    }

    /// Reads every request line of the chunk files at `paths`; with `cache`, requests it answers count as
    /// cached, not to send. Blocking.
    ///
    /// Distinct requests are told apart by staging's own table (`SeenRequests`, which here keeps whether the
    /// cache answers each in its row field: 2 yes, 1 no), with staging's cap: past
    /// `StagingDedupe.maxTrackedRequests` distinct requests, staging sends a new request's repeats again, and
    /// so they count as sent here. A `Dictionary` of every request took 100 MB at 1M requests.
    public func measure(chunkPaths paths: [String], cache: (any AnswerLookup)? = nil) throws -> Measure {
        var measure = Measure()
        let keying = RequestKeying(spec: spec)
        let lookup = spec.cache.enabled ? try cache.flatMap { try $0.hasAnswers() ? $0 : nil } : nil
        let notBefore = StagingDedupe.forSpec(spec, cache: nil)?.notBefore
        var seen = SeenRequests()
        var tokens = TokenSum()
        var uniqueTokens = TokenSum()
        var sendTokens = TokenSum()
        for path in paths {
            let reader = JSONLReader(source: try FileByteSource(path: path), path: path)
            while let line = try reader.next() {
                guard let (_, request) = RetryPlanner.requestLine(line.bytes) else { continue }
                let count = try inputTokens(request)
                measure.requests += 1
                tokens.add(count)
                let full = keying.key(line: request)
                let key = full.short
                let cached: Bool
                if let known = seen.row(of: key) {
                    cached = known == 2
                } else {
                    cached = try lookup?.answer(for: full, notBefore: notBefore) != nil
                    seen.remember(key, row: cached ? 2 : 1)
                    measure.uniqueRequests += 1
                    uniqueTokens.add(count)
                    if !cached && spec.dedupe {
                        measure.requestsToSend += 1
                        sendTokens.add(count)
                    }
                }
                if cached {
                    measure.cachedRequests += 1
                } else if !spec.dedupe {
                    measure.requestsToSend += 1
                    sendTokens.add(count)
                }
            }
        }
        measure.inputTokens = tokens.rounded
        measure.uniqueInputTokens = uniqueTokens.rounded
        measure.inputTokensToSend = sendTokens.rounded
        return measure
    }

    /// The requests and input tokens of a drop's staged chunks, from the counts staging stored with them; a
    /// chunk without one (staged by an earlier version, a collection's) is read back. Blocking.
    ///
    /// Only `requests` and `inputTokens` are set: the chunks were staged after dedupe and the cache, so they
    /// hold what is sent.
    public func sent(chunks: [ChunkRecord]) throws -> Measure {
        var measure = Measure()
        var tokens = TokenSum()
        for chunk in chunks {
            if let stored = chunk.inputTokens {
                measure.requests += chunk.requests
                tokens.add(TokenSum(tokens: stored))
                continue
            }
            let reader = JSONLReader(source: try FileByteSource(path: chunk.path), path: chunk.path)
            while let line = try reader.next() {
                guard let (_, request) = RetryPlanner.requestLine(line.bytes) else { continue }
                measure.requests += 1
                tokens.add(try inputTokens(request))
            }
        }
        measure.inputTokens = tokens.rounded
        measure.requestsToSend = measure.requests
        measure.inputTokensToSend = measure.inputTokens
        return measure
    }

    /// Estimated input tokens of one rendered request: its system and user text, or its embeddings input.
    ///
    /// The line is checked whole but only the texts are built (`JSONPruningParser`): a 1M-row drop measures its
    /// chunks twice (the spend estimate, then the calibration), and building every line's schema and parameters
    /// as `JSONValue`s was a third of `sluice process`'s CPU (issue 8). `parse` is for the test that compares
    /// this with `JSONParser`'s whole tree.
    func inputTokens(
        _ line: ArraySlice<UInt8>,
        parse: (ArraySlice<UInt8>, JSONKeep) throws -> JSONValue = Self.pruned
    ) throws -> Double {
        switch wireFormat {
        case .openAIBatch:
            let body = try parse(line, Self.openAIText)["body"]
            if spec.endpoint == .embeddings {
                return TokenEstimator.tokens(in: body?["input"]?.stringValue ?? "")
            }
            let messages = (body?["messages"]?.arrayValue ?? []).map { $0["content"]?.stringValue ?? "" }
            return TokenEstimator.chatTokens(messages: messages)
        case .anthropicBatch:
            let params = try parse(line, Self.anthropicText)["params"]
            var messages = (params?["messages"]?.arrayValue ?? []).map {
                $0["content"]?.stringValue ?? ""
            }
            if let system = params?["system"]?.stringValue { messages.insert(system, at: 0) }
            return TokenEstimator.chatTokens(messages: messages)
        }
    }

    /// The members `inputTokens` reads, and nothing else.
    static let openAIText = JSONKeep.members([
        "body": .members(["messages": .elements(.members(["content": .all])), "input": .all])
    ])
    static let anthropicText = JSONKeep.members([
        "params": .members(["messages": .elements(.members(["content": .all])), "system": .all])
    ])

    static func pruned(_ line: ArraySlice<UInt8>, _ keep: JSONKeep) throws -> JSONValue {
        try line.withUnsafeBytes { (bytes) throws -> JSONValue in try JSONPruningParser.parse(buffer: bytes, keeping: keep) }
    }
}
