import Foundation
import SluiceJSON

extension DeterministicModel {
    /// Default vector length per model, like the real models'.
    static func defaultDimensions(model: String) -> Int {
        if model.hasPrefix("text-embedding-3-large") { return 3072 }
        if model.hasPrefix("text-embedding-3-small") || model.hasPrefix("text-embedding-ada-002") { return 1536 }
        return 256
    }

    /// An embeddings `list` for an Embeddings body.
    func embeddings(_ body: JSONObject, forced: FaultTriggers.Trigger? = nil) -> ModelAnswer {
        let model: String
        switch modelName(body) {
        case .success(let name): model = name
        case .failure(let error): return .failure(error)
        }
        guard let input = body["input"] else { return .failure(.missing("input")) }
        let texts: [String]
        switch input {
        case .string(let s): texts = [s]
        case .array(let items) where !items.isEmpty:
            if items.allSatisfy({ $0.stringValue != nil }) {
                texts = items.compactMap(\.stringValue)
            } else if items.allSatisfy({ if case .int = $0 { return true } else { return false } }) {
                texts = [items.map { JSONWriter.string($0) }.joined(separator: " ")]  // one tokenised input
            } else if items.allSatisfy({ $0.arrayValue != nil }) {
                texts = items.map { JSONWriter.string($0) }  // several tokenised inputs
            } else {
                return .failure(Self.invalidInput)
            }
        default:
            return .failure(Self.invalidInput)
        }
        if texts.contains(where: \.isEmpty) { return .failure(Self.invalidInput) }
        if forced == .fail || texts.contains(where: { FaultTriggers($0).fail }) { return .failure(Self.serverError) }
        var dimensions = Self.defaultDimensions(model: model)
        if let requested = body["dimensions"] {
            guard let d = requested.numberValue, d.rounded() == d, d >= 1, Int(d) <= dimensions else {
                return .failure(
                    APIError(
                        status: 400,
                        message: "Invalid value for 'dimensions' = \(JSONWriter.string(requested)). "
                            + "Must be between 1 and \(dimensions).",
                        param: "dimensions", code: "invalid_value"))
            }
            dimensions = Int(d)
        }
        let base64 = body["encoding_format"]?.stringValue == "base64"
        var data: [JSONValue] = []
        var tokens = 0
        for (index, text) in texts.enumerated() {
            tokens += max(1, Self.tokens(bytes: text.utf8.count))
            let vector = embedding(text, dimensions: dimensions)
            let encoded: JSONValue
            if base64 {
                var bytes = [UInt8]()
                bytes.reserveCapacity(vector.count * 4)
                for v in vector { withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes.append(contentsOf: $0) } }
                encoded = .string(Data(bytes).base64EncodedString())
            } else {
                encoded = .array(vector.map { .double(Double($0)) })
            }
            data.append(["object": "embedding", "index": .int(index), "embedding": encoded])
        }
        let response: JSONValue = [
            "object": "list",
            "data": .array(data),
            "model": .string(model),
            "usage": ["prompt_tokens": .int(tokens), "total_tokens": .int(tokens)],
        ]
        return .success(body: response, inputTokens: tokens, outputTokens: 0)
    }

    private static let invalidInput = APIError(
        status: 400, message: "'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference.")

    /// A hashed bag-of-words vector: each lowercased word adds ±1 in four hashed dimensions, then the
    /// vector is L2-normalised, so texts sharing words point the same way (cosine similarity works).
    func embedding(_ text: String, dimensions: Int) -> [Float] {
        var vector = [Float](repeating: 0, count: dimensions)
        var word: [UInt8] = []
        func flush() {
            guard !word.isEmpty else { return }
            var hash = StableHash(seed: seed)
            hash.combine(word)
            var random = SplitMix64(seed: hash.value)
            for _ in 0..<4 {
                let bits = random.next()
                vector[Int(bits % UInt64(dimensions))] += (bits >> 63) == 0 ? 1 : -1
            }
            word.removeAll(keepingCapacity: true)
        }
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): word.append(byte + 32)
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"), 0x80...: word.append(byte)
            default: flush()
            }
        }
        flush()
        var norm = vector.reduce(Float(0)) { $0 + $1 * $1 }.squareRoot()
        if norm == 0 {
            // No words at all (punctuation only): one hashed dimension so the vector still has length 1.
            vector[Int(StableHash.of(text, seed: seed) % UInt64(dimensions))] = 1
            norm = 1
        }
        return vector.map { $0 / norm }
    }
}
