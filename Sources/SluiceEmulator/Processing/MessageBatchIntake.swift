import SluiceJSON

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Checks a spooled `POST /v1/messages/batches` body the way the real API does before accepting a batch
/// (envelope shape, `custom_id` rules and uniqueness, request count) and writes its requests as JSONL.
///
/// `params` are not looked into here: like the real API, they are validated while the batch runs and bad
/// ones come back as `errored` results. Memory stays at one request: the body is mapped, not parsed whole.
enum MessageBatchIntake {
    /// The real API's rule for `custom_id`.
    static let customIDPattern = "^[a-zA-Z0-9_-]{1,64}$"

    /// What an accepted body holds: the request count and the `CustomIDLedger` keys of its custom_ids.
    typealias Accepted = (count: Int, keys: [UInt64])

    /// Validates the body at `bodyPath`; on success writes `requestsPath` and returns the request count and
    /// custom_id keys, otherwise the first problem as a 400. Blocking: run it on an owned thread.
    static func run(bodyPath: String, requestsPath: String, limits: EmulatorLimits) throws -> Result<
        Accepted, AnthropicError
    > {
        let fd = open(bodyPath, O_RDONLY)
        guard fd >= 0 else { throw FileIOError.current("open", bodyPath) }
        defer { close(fd) }
        let size = Int(lseek(fd, 0, SEEK_END))
        guard size > 0 else { return .failure(unparseable) }
        guard let base = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), base != MAP_FAILED else {
            throw FileIOError.current("mmap", bodyPath)
        }
        defer { munmap(base, size) }
        let sink = try FileSink(path: requestsPath)
        let outcome = try scan(UnsafeRawBufferPointer(start: base, count: size), into: sink, limits: limits)
        try sink.flush()
        return outcome
    }

    /// The 400 for a body that is not JSON.
    static let unparseable = AnthropicError.invalidRequest(
        "There was an issue with your request body: it is not valid JSON.")

    /// Scans the envelope; a syntax error anywhere wins over a shape problem found earlier.
    static func scan(
        _ raw: UnsafeRawBufferPointer, into sink: FileSink, limits: EmulatorLimits
    ) throws -> Result<Accepted, AnthropicError> {
        var scanner = JSONEnvelopeScanner(raw)
        var problem: AnthropicError?
        var count = 0
        var keys: [UInt64] = []
        var sawRequests = false
        var seen: [String: Int] = [:]
        func note(_ message: String) {
            if problem == nil { problem = .invalidRequest(message) }
        }
        do {
            guard scanner.peek() == UInt8(ascii: "{") else {
                _ = try scanner.value()
                guard scanner.atEnd else { throw JSONEnvelopeScanner.SyntaxError() }
                return .failure(.invalidRequest("Input should be a valid dictionary or object to extract fields from"))
            }
            try scanner.expect(UInt8(ascii: "{"))
            var first = true
            while !scanner.consume(UInt8(ascii: "}")) {
                if !first { try scanner.expect(UInt8(ascii: ",")) }
                first = false
                guard case .string(let key)? = try? JSONParser.parse(buffer: try scanner.value()) else {
                    throw JSONEnvelopeScanner.SyntaxError()
                }
                try scanner.expect(UInt8(ascii: ":"))
                guard key == "requests" else {
                    _ = try scanner.value()
                    note("\(key): Extra inputs are not permitted")
                    continue
                }
                sawRequests = true
                guard scanner.consume(UInt8(ascii: "[")) else {
                    _ = try scanner.value()
                    note("requests: Input should be a valid list")
                    continue
                }
                var firstElement = true
                while !scanner.consume(UInt8(ascii: "]")) {
                    if !firstElement { try scanner.expect(UInt8(ascii: ",")) }
                    firstElement = false
                    let bytes = try scanner.value()
                    let index = count
                    count += 1
                    // After the first problem only the syntax matters; skip the per-request work.
                    guard problem == nil else { continue }
                    guard let element = try? JSONParser.parse(buffer: bytes) else {
                        throw JSONEnvelopeScanner.SyntaxError()
                    }
                    switch request(element, index: index, seen: &seen) {
                    case .success(let line):
                        if count <= limits.maxMessageBatchRequests { try sink.appendLine(JSONWriter.bytes(line)) }
                        keys.append(CustomIDLedger.key(.anthropic, line["custom_id"]?.stringValue ?? ""))
                    case .failure(let error):
                        problem = error
                    }
                }
            }
            guard scanner.atEnd else { throw JSONEnvelopeScanner.SyntaxError() }
        } catch is JSONEnvelopeScanner.SyntaxError {
            return .failure(unparseable)
        }
        if let problem { return .failure(problem) }
        guard sawRequests else { return .failure(.invalidRequest("requests: Field required")) }
        guard count > 0 else {
            return .failure(.invalidRequest("requests: List should have at least 1 item after validation, not 0"))
        }
        guard count <= limits.maxMessageBatchRequests else {
            return .failure(
                .invalidRequest(
                    "requests: List should have at most \(limits.maxMessageBatchRequests) items after validation, "
                        + "not \(count)"))
        }
        return .success((count, keys))
    }

    /// One `{custom_id, params}` element checked, as the compact line stored for processing.
    static func request(_ element: JSONValue, index: Int, seen: inout [String: Int]) -> Result<
        JSONValue, AnthropicError
    > {
        let at = "requests.\(index)"
        guard case .object(let o) = element else {
            return .failure(
                .invalidRequest("\(at): Input should be a valid dictionary or object to extract fields from"))
        }
        if let extra = o.keys.first(where: { $0 != "custom_id" && $0 != "params" }) {
            return .failure(.invalidRequest("\(at).\(extra): Extra inputs are not permitted"))
        }
        guard let idValue = o["custom_id"] else { return .failure(.invalidRequest("\(at).custom_id: Field required")) }
        guard let id = idValue.stringValue else {
            return .failure(.invalidRequest("\(at).custom_id: Input should be a valid string"))
        }
        if let problem = customIDProblem(id) { return .failure(.invalidRequest("\(at).custom_id: \(problem)")) }
        guard let params = o["params"] else { return .failure(.invalidRequest("\(at).params: Field required")) }
        guard case .object = params else {
            return .failure(
                .invalidRequest("\(at).params: Input should be a valid dictionary or object to extract fields from"))
        }
        if let earlier = seen[id] {
            return .failure(
                .invalidRequest(
                    "\(at).custom_id: Duplicate custom_id '\(id)' (also at requests.\(earlier)); "
                        + "custom_id values must be unique within a batch"))
        }
        seen[id] = index
        return .success(["custom_id": .string(id), "params": params])
    }

    /// What is wrong with a `custom_id` in the real API's (pydantic's) words, or nil.
    static func customIDProblem(_ id: String) -> String? {
        if id.isEmpty { return "String should have at least 1 character" }
        if id.count > 64 { return "String should have at most 64 characters" }
        let allowed = id.utf8.allSatisfy { c in
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x5F || c == 0x2D
        }
        return allowed ? nil : "String should match pattern '\(customIDPattern)'"
    }
}
