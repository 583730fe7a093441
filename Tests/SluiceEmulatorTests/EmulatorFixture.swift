import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import SluiceJSON
import Testing

@testable import SluiceEmulator

/// Timing that moves batches along as fast as possible.
let instant = EmulatorTiming(validatingDelay: .zero, processingDelay: .zero, finalizingDelay: .zero)

/// A fresh temporary folder, removed after `body` on every path.
func withTemporaryDirectory<T>(_ body: (String) async throws -> T) async throws -> T {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("emulator-test-" + UUID().uuidString).path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try await body(path)
}

/// Runs `body` against an emulator (router-level client, batch worker running) on `stateDirectory`.
func withEmulator<T: Sendable>(
    stateDirectory: String, seed: UInt64 = 7, timing: EmulatorTiming = instant,
    limits: EmulatorLimits = EmulatorLimits(), _ body: @Sendable (API) async throws -> T
) async throws -> T {
    var logger = Logger(label: "emulator-test")
    logger.logLevel = .warning
    let configuration = EmulatorConfiguration(
        stateDirectory: stateDirectory, port: 0, seed: seed, timing: timing, limits: limits)
    let emulator = Emulator(configuration: configuration, logger: logger)
    return try await emulator.makeApplication().test(.router) { client in
        try await body(API(client: client))
    }
}

/// Same as above on a temporary state folder.
func withEmulator<T: Sendable>(
    seed: UInt64 = 7, timing: EmulatorTiming = instant, limits: EmulatorLimits = EmulatorLimits(),
    _ body: @Sendable (API) async throws -> T
) async throws -> T {
    try await withTemporaryDirectory { dir in
        try await withEmulator(stateDirectory: dir, seed: seed, timing: timing, limits: limits, body)
    }
}

/// A response: status, parsed JSON body (nil if not JSON), raw bytes, headers.
struct APIResponse: Sendable {
    var status: Int
    var json: JSONValue?
    var bytes: [UInt8]
    var headers: HTTPFields

    /// The `x-request-id` header.
    var requestID: String? { headers[HTTPField.Name("x-request-id")!] }
}

/// HTTP methods the tests use (keeps HTTPTypes out of the test files).
enum Verb: Sendable {
    case get, post, delete

    var method: HTTPRequest.Method {
        switch self {
        case .get: return .get
        case .post: return .post
        case .delete: return .delete
        }
    }
}

/// OpenAI-shaped calls against the test client.
struct API: Sendable {
    let client: any TestClientProtocol

    func call(_ verb: Verb, _ uri: String, json: JSONValue? = nil, auth: Bool = true) async throws -> APIResponse {
        var headers: HTTPFields = [:]
        if auth { headers[.authorization] = "Bearer test" }
        var body: ByteBuffer?
        if let json {
            headers[.contentType] = "application/json"
            body = ByteBuffer(bytes: JSONWriter.bytes(json))
        }
        let response = try await client.execute(uri: uri, method: verb.method, headers: headers, body: body)
        let bytes = Array(response.body.readableBytesView)
        return APIResponse(
            status: Int(response.status.code), json: try? JSONParser.parse(bytes), bytes: bytes, headers: response.headers)
    }

    /// POST /v1/files with a multipart body.
    func upload(_ content: [UInt8], filename: String = "input.jsonl", purpose: String = "batch") async throws -> APIResponse {
        let boundary = "----sluice-test-boundary-\(UUID().uuidString)"
        var body: [UInt8] = []
        body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\n\(purpose)\r\n".utf8)
        body += Array(
            ("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(filename)\"\r\n"
                + "Content-Type: application/octet-stream\r\n\r\n").utf8)
        body += content
        body += Array("\r\n--\(boundary)--\r\n".utf8)
        let headers: HTTPFields = [
            .authorization: "Bearer test", .contentType: "multipart/form-data; boundary=\(boundary)",
        ]
        let response = try await client.execute(uri: "/v1/files", method: .post, headers: headers, body: ByteBuffer(bytes: body))
        let bytes = Array(response.body.readableBytesView)
        return APIResponse(
            status: Int(response.status.code), json: try? JSONParser.parse(bytes), bytes: bytes, headers: response.headers)
    }

    /// Uploads JSONL lines and returns the file id.
    func uploadLines(_ lines: [JSONValue]) async throws -> String {
        let response = try await upload(jsonl(lines))
        try #require(response.status == 200)
        return try #require(response.json?["id"]?.stringValue)
    }

    /// Creates a batch and returns the created object.
    func createBatch(
        fileID: String, endpoint: String = "/v1/chat/completions", metadata: JSONValue = nil
    ) async throws -> JSONValue {
        var body: JSONValue = ["input_file_id": .string(fileID), "endpoint": .string(endpoint), "completion_window": "24h"]
        if metadata != .null, case .object(var o) = body {
            o["metadata"] = metadata
            body = .object(o)
        }
        let response = try await call(.post, "/v1/batches", json: body)
        try #require(response.status == 200, "create failed: \(String(decoding: response.bytes, as: UTF8.self))")
        return try #require(response.json)
    }

    /// Polls a batch until its status is one of `statuses` (bounded: fails after ~60 s).
    func waitForBatch(_ id: String, until statuses: Set<String>) async throws -> JSONValue {
        for _ in 0..<6_000 {
            let batch = try #require(try await call(.get, "/v1/batches/\(id)").json)
            if let status = batch["status"]?.stringValue, statuses.contains(status) { return batch }
            try await Task.sleep(for: .milliseconds(10))
        }
        Issue.record("batch \(id) never reached \(statuses)")
        throw CancellationError()
    }

    /// Raw content of a file.
    func content(_ fileID: String) async throws -> [UInt8] {
        let response = try await call(.get, "/v1/files/\(fileID)/content")
        try #require(response.status == 200)
        return response.bytes
    }

    /// Parsed JSONL lines of a file.
    func lines(_ fileID: String) async throws -> [JSONValue] {
        try String(decoding: try await content(fileID), as: UTF8.self).split(separator: "\n").map {
            try JSONParser.parse(String($0))
        }
    }
}

/// JSONL bytes for lines.
func jsonl(_ lines: [JSONValue]) -> [UInt8] {
    lines.flatMap { JSONWriter.bytes($0) + [0x0A] }
}

/// The support-ticket schema of the product's example spec, plus a few more keywords.
let ticketSchema: JSONValue = [
    "type": "object",
    "properties": [
        "category": ["type": "string", "enum": ["billing", "shipping", "bug", "other"]],
        "urgency": ["type": "integer", "minimum": 1, "maximum": 5],
        "summary": ["type": "string", "minLength": 5, "maxLength": 40],
        "tags": [
            "type": "array", "items": ["type": "string", "enum": ["a", "b", "c", "d"]], "minItems": 1, "maxItems": 3,
            "uniqueItems": true,
        ],
        "score": ["type": ["number", "null"], "exclusiveMinimum": 0, "maximum": 1],
    ],
    "required": ["category", "urgency", "summary", "tags", "score"],
    "additionalProperties": false,
]

/// A chat request line; `schema` adds a strict json_schema response_format.
func chatLine(
    _ customID: String, _ text: String, schema: JSONValue? = ticketSchema, model: String = "gpt-4o-mini",
    extra: [(String, JSONValue)] = []
) -> JSONValue {
    var body = JSONObject([
        ("model", .string(model)),
        ("messages", [["role": "system", "content": "You label tickets."], ["role": "user", "content": .string(text)]]),
    ])
    if let schema {
        body["response_format"] = [
            "type": "json_schema", "json_schema": ["name": "ticket", "strict": true, "schema": schema],
        ]
    }
    for (k, v) in extra { body[k] = v }
    return ["custom_id": .string(customID), "method": "POST", "url": "/v1/chat/completions", "body": .object(body)]
}

/// Checks a ticket by hand against `ticketSchema`; returns the problems found.
func ticketProblems(_ value: JSONValue) -> [String] {
    guard case .object(let o) = value else { return ["not an object"] }
    var problems: [String] = []
    if Set(o.keys) != ["category", "urgency", "summary", "tags", "score"] { problems.append("keys \(o.keys)") }
    if !["billing", "shipping", "bug", "other"].contains(o["category"]?.stringValue ?? "") { problems.append("category") }
    if case .int(let u)? = o["urgency"], (1...5).contains(u) {} else { problems.append("urgency \(String(describing: o["urgency"]))") }
    let summary = o["summary"]?.stringValue ?? ""
    if !(5...40).contains(summary.count) { problems.append("summary length \(summary.count)") }
    let tags = o["tags"]?.arrayValue ?? []
    if !(1...3).contains(tags.count) || Set(tags).count != tags.count
        || !tags.allSatisfy({ ["a", "b", "c", "d"].contains($0.stringValue ?? "") })
    {
        problems.append("tags \(tags)")
    }
    switch o["score"] {
    case .null?: break
    case let s? where s.numberValue != nil: if !(s.numberValue! > 0 && s.numberValue! <= 1) { problems.append("score") }
    default: problems.append("score type")
    }
    return problems
}
