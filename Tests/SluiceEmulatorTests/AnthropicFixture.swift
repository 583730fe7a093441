import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SluiceJSON
import Testing

@testable import SluiceEmulator

/// Anthropic-shaped calls against the test client.
extension API {
    /// A call with `x-api-key` and `anthropic-version` (each can be left out), a JSON or raw body.
    func anthropic(
        _ verb: Verb, _ uri: String, json: JSONValue? = nil, raw: [UInt8]? = nil, key: Bool = true,
        version: Bool = true
    ) async throws -> APIResponse {
        var headers: HTTPFields = [:]
        if key { headers[HTTPField.Name("x-api-key")!] = "test" }
        if version { headers[HTTPField.Name("anthropic-version")!] = "2023-06-01" }
        var body: ByteBuffer?
        if let bytes = raw ?? json.map({ JSONWriter.bytes($0) }) {
            headers[.contentType] = "application/json"
            body = ByteBuffer(bytes: bytes)
        }
        let response = try await client.execute(uri: uri, method: verb.method, headers: headers, body: body)
        let bytes = Array(response.body.readableBytesView)
        return APIResponse(
            status: Int(response.status.code), json: try? JSONParser.parse(bytes), bytes: bytes, headers: response.headers)
    }

    /// Creates a Message Batch from `{custom_id, params}` requests and returns the created object.
    func createMessageBatch(_ requests: [JSONValue]) async throws -> JSONValue {
        let response = try await anthropic(.post, "/v1/messages/batches", json: ["requests": .array(requests)])
        try #require(response.status == 200, "create failed: \(String(decoding: response.bytes, as: UTF8.self))")
        return try #require(response.json)
    }

    /// Polls a Message Batch until its processing_status is `status` (bounded: fails after ~60 s).
    func waitForMessageBatch(_ id: String, until status: String = "ended") async throws -> JSONValue {
        for _ in 0..<6_000 {
            let batch = try #require(try await anthropic(.get, "/v1/messages/batches/\(id)").json)
            if batch["processing_status"]?.stringValue == status { return batch }
            try await Task.sleep(for: .milliseconds(10))
        }
        Issue.record("message batch \(id) never reached \(status)")
        throw CancellationError()
    }

    /// The raw results of an ended batch, checked for the content type and `\n` line endings.
    func messageBatchResultBytes(_ id: String) async throws -> [UInt8] {
        let response = try await anthropic(.get, "/v1/messages/batches/\(id)/results")
        try #require(response.status == 200)
        #expect(response.headers[.contentType] == "application/x-jsonl")
        #expect(response.bytes.last == 0x0A)
        #expect(!response.bytes.contains(0x0D))
        return response.bytes
    }

    /// The parsed result lines of an ended batch, in the order served.
    func messageBatchResults(_ id: String) async throws -> [JSONValue] {
        try String(decoding: try await messageBatchResultBytes(id), as: UTF8.self).split(separator: "\n").map {
            try JSONParser.parse(String($0))
        }
    }
}

/// Messages params: one user message `text`, plus `extra` keys (which replace defaults of the same name).
func messageParams(_ text: String, model: String = "claude-sonnet-4-5", maxTokens: JSONValue = 1024, extra: [(String, JSONValue)] = []) -> JSONObject {
    var params = JSONObject([
        ("model", .string(model)), ("max_tokens", maxTokens),
        ("system", "You label support tickets."),
        ("messages", [["role": "user", "content": .string(text)]]),
    ])
    for (key, value) in extra { params[key] = value }
    return params
}

/// A batch request `{custom_id, params}`.
func batchRequest(_ customID: String, _ params: JSONObject) -> JSONValue {
    ["custom_id": .string(customID), "params": .object(params)]
}

/// `output_config` asking for JSON conforming to `schema`.
func jsonSchemaOutput(_ schema: JSONValue = ticketSchema) -> (String, JSONValue) {
    ("output_config", ["format": ["type": "json_schema", "schema": schema]])
}

/// `tools` with one `label` tool over `schema`, and `tool_choice` forcing it.
func forcedTool(_ schema: JSONValue = ticketSchema) -> [(String, JSONValue)] {
    [
        ("tools", [["name": "label", "description": "Label the ticket.", "input_schema": schema]]),
        ("tool_choice", ["type": "tool", "name": "label"]),
    ]
}

/// Seconds since 1970 of an RFC 3339 UTC timestamp with fractional seconds and `Z`; nil for anything else.
func rfc3339Seconds(_ text: String) -> Double? {
    guard let m = text.wholeMatch(of: /(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.(\d{1,9})Z/) else { return nil }
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(identifier: "UTC")!
    let components = DateComponents(
        year: Int(m.1), month: Int(m.2), day: Int(m.3), hour: Int(m.4), minute: Int(m.5), second: Int(m.6))
    guard let date = calendar.date(from: components) else { return nil }
    return date.timeIntervalSince1970 + Double("0." + m.7)!
}

/// The error envelope's `error` part, after checking the envelope carries the `request-id` header's value.
func anthropicError(_ response: APIResponse) -> JSONValue? {
    let requestID = response.headers[HTTPField.Name("request-id")!]
    guard let json = response.json, json["type"] == "error", let id = requestID, json["request_id"] == .string(id),
        json.objectValue?.keys == ["type", "error", "request_id"]
    else { return nil }
    return json["error"]
}

extension JSONValue {
    /// Element `index` of an array, nil for anything else.
    subscript(index: Int) -> JSONValue? {
        guard case .array(let elements) = self, elements.indices.contains(index) else { return nil }
        return elements[index]
    }
}
