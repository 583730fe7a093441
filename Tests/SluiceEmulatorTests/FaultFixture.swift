import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import SluiceJSON
import Testing

@testable import SluiceEmulator

/// Runs `body` against an emulator with the fault spec `spec` on `stateDirectory` (router-level client unless
/// `live`, which serves over a real loopback socket to AsyncHTTPClient, which reconnects after a dropped one).
func withFaultyEmulator<T: Sendable>(
    _ spec: String, stateDirectory: String, seed: UInt64 = 7, timing: EmulatorTiming = instant,
    slowMilliseconds: Int = 1, live: Bool = false, _ body: @Sendable (API) async throws -> T
) async throws -> T {
    var logger = Logger(label: "emulator-test")
    logger.logLevel = .critical
    var configuration = EmulatorConfiguration(stateDirectory: stateDirectory, port: 0, seed: seed, timing: timing)
    configuration.faults = try FaultPlan(parsing: spec, retryAfterSeconds: 0.5)
    try configuration.faults.setSlow(milliseconds: slowMilliseconds)
    return try await Emulator(configuration: configuration, logger: logger).makeApplication().test(
        live ? .ahc(.http) : .router
    ) { client in
        try await body(API(client: client))
    }
}

/// Same on a temporary state folder.
func withFaultyEmulator<T: Sendable>(
    _ spec: String, seed: UInt64 = 7, timing: EmulatorTiming = instant, live: Bool = false,
    _ body: @Sendable (API) async throws -> T
) async throws -> T {
    try await withTemporaryDirectory { dir in
        try await withFaultyEmulator(spec, stateDirectory: dir, seed: seed, timing: timing, live: live, body)
    }
}

extension API {
    /// `GET /_emulator/stats`.
    func stats() async throws -> JSONValue {
        try #require(try await call(.get, "/_emulator/stats", auth: false).json)
    }

    /// `faults_injected[kind]` of the stats.
    func injected(_ kind: FaultKind) async throws -> Int {
        guard case .int(let n)? = try await stats()["faults_injected"]?[kind.rawValue] else { return -1 }
        return n
    }

    /// Uploads `lines`, runs them as a chat batch to a terminal status; returns the batch, output and error lines.
    func runBatch(_ input: [JSONValue]) async throws -> (batch: JSONValue, output: [JSONValue], errors: [JSONValue]) {
        let file = try await uploadLines(input)
        let id = try #require(try await createBatch(fileID: file)["id"]?.stringValue)
        let batch = try await waitForBatch(id, until: ["completed", "failed", "expired", "cancelled"])
        var output: [JSONValue] = []
        var errors: [JSONValue] = []
        if let file = batch["output_file_id"]?.stringValue { output = try await self.lines(file) }
        if let file = batch["error_file_id"]?.stringValue { errors = try await self.lines(file) }
        return (batch, output, errors)
    }

    /// Runs `requests` as a Message Batch to `ended`; returns the batch and its result lines by custom_id.
    func runMessageBatch(_ requests: [JSONValue]) async throws -> (batch: JSONValue, results: [String: JSONValue]) {
        let id = try #require(try await createMessageBatch(requests)["id"]?.stringValue)
        let batch = try await waitForMessageBatch(id)
        let response = try await anthropic(.get, "/v1/messages/batches/\(id)/results")
        try #require(response.status == 200)
        var results: [String: JSONValue] = [:]
        for line in String(decoding: response.bytes, as: UTF8.self).split(separator: "\n") {
            let value = try JSONParser.parse(String(line))
            results[try #require(value["custom_id"]?.stringValue)] = value["result"]
        }
        return (batch, results)
    }
}

/// The chat content of an output line.
func chatContent(_ line: JSONValue) -> String? {
    line["response"]?["body"]?["choices"]?[0]?["message"]?["content"]?.stringValue
}

/// `count` ticket lines `r1`...`rN` with the ticket schema.
func ticketLines(_ count: Int, prefix: String = "r") -> [JSONValue] {
    (1...count).map { chatLine("\(prefix)\($0)", "ticket \($0): my parcel is late") }
}

/// `count` Message Batch requests `r1`...`rN` asking for ticket JSON.
func ticketRequests(_ count: Int, prefix: String = "r", extra: [(String, JSONValue)] = [jsonSchemaOutput()])
    -> [JSONValue]
{
    (1...count).map { batchRequest("\(prefix)\($0)", messageParams("ticket \($0): my parcel is late", extra: extra)) }
}
