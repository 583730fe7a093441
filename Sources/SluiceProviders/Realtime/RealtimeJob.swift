import Foundation
import Logging
import SluiceCore
import SluiceHTTP
import SluiceJSON
import SluiceRecords

/// What a realtime "batch" works on, written before it starts so a restart can resume it.
struct RealtimeJobFile: Codable, Sendable {
    var chunkPath: String
    var total: Int
}

/// Sends one staged chunk's requests one by one to an OpenAI-compatible server and writes each answer, as
/// it arrives, as an OpenAI batch output line into `results.jsonl`; the engine then reads it like any
/// batch's output. A restart skips the custom_ids already answered.
struct RealtimeJob: Sendable {
    let directory: String
    let job: RealtimeJobFile
    let baseURL: String
    let apiKey: String?
    let client: HTTPClient
    let settings: RealtimeSettings
    let gate: RateGate
    let counts: RealtimeCounts
    let logger: Logger

    var resultsPath: String { directory + "/results.jsonl" }

    func run() async throws {
        // One runner per job, across processes too: two would both append answers for the same rows.
        let lock = open(directory + "/lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard lock >= 0 else { throw ProviderError(code: "realtime.lock", message: "cannot open \(directory)/lock", retryable: true) }
        defer { close(lock) }
        guard flock(lock, LOCK_EX | LOCK_NB) == 0 else { return }
        let pending = try await Blocking.run("sluice-realtime-read") { [directory, job] in
            try Self.pendingLines(chunkPath: job.chunkPath, resultsPath: directory + "/results.jsonl")
        }
        await counts.start(total: job.total, done: job.total - pending.count)
        let writer = try RealtimeResultWriter(path: resultsPath)
        try await withThrowingTaskGroup(of: Void.self) { group in
            var inFlight = 0
            for line in pending {
                if inFlight >= settings.concurrency {
                    try await group.next()
                    inFlight -= 1
                }
                group.addTask {
                    let result = try await send(line)
                    try await writer.append(result.bytes)
                    await counts.record(succeeded: result.succeeded)
                }
                inFlight += 1
            }
            try await group.waitForAll()
        }
        try await writer.close()
        _ = FileManager.default.createFile(atPath: directory + "/done", contents: nil)
    }

    /// One request line of the chunk: its custom_id, the endpoint path and the body bytes.
    struct Request: Sendable {
        var customID: String
        var path: String
        var body: [UInt8]
        var maxTokens: Int
    }

    /// The chunk's requests that have no answer in the results file yet. A last line cut short by a crash
    /// is removed first, so the file holds only whole lines.
    static func pendingLines(chunkPath: String, resultsPath: String) throws -> [Request] {
        var answered: Set<String> = []
        if FileManager.default.fileExists(atPath: resultsPath) {
            var data = try [UInt8](Data(contentsOf: URL(fileURLWithPath: resultsPath)))
            if let lastNewline = data.lastIndex(of: 0x0A), lastNewline != data.count - 1 {
                data.removeSubrange((lastNewline + 1)...)
                truncate(resultsPath, off_t(data.count))
            } else if data.lastIndex(of: 0x0A) == nil {
                data = []
                truncate(resultsPath, 0)
            }
            for line in data.split(separator: 0x0A) {
                if let id = try? JSONParser.parse(String(decoding: line, as: UTF8.self))["custom_id"]?.stringValue {
                    answered.insert(id)
                }
            }
        }
        let reader = JSONLReader(source: try FileByteSource(path: chunkPath), path: chunkPath)
        var pending: [Request] = []
        while let line = try reader.next() {
            let value = try JSONParser.parse(String(decoding: line.bytes, as: UTF8.self))
            guard let id = value["custom_id"]?.stringValue, !answered.contains(id), let body = value["body"] else { continue }
            let url = value["url"]?.stringValue ?? "/v1/chat/completions"
            let path = url.hasPrefix("/v1/") ? String(url.dropFirst(3)) : url
            let maxTokens = Int(body["max_tokens"]?.numberValue ?? body["max_completion_tokens"]?.numberValue ?? 0)
            pending.append(Request(customID: id, path: path, body: JSONWriter.bytes(body), maxTokens: maxTokens))
        }
        return pending
    }

    /// Sends one request, retrying 429 (after `Retry-After`), 408/409/5xx and transport failures with
    /// jittered backoff; returns its output line.
    func send(_ request: Request) async throws -> (bytes: [UInt8], succeeded: Bool) {
        var headers = [HTTPHeader("Content-Type", "application/json"), HTTPHeader("Accept", "application/json")]
        if let apiKey { headers.append(HTTPHeader("Authorization", "Bearer \(apiKey)")) }
        let http = HTTPRequest(
            method: "POST", url: baseURL + request.path, headers: headers,
            body: .bytes(request.body, contentType: "application/json"))
        var backoff = Backoff(initial: .milliseconds(500), max: .seconds(30), factor: 2)
        var attempt = 0
        while true {
            attempt += 1
            try await gate.acquire(tokens: request.body.count / 4 + request.maxTokens)
            do {
                let response = try await client.execute(http)
                if response.isSuccess { return (Self.line(request.customID, response: response), true) }
                let retryable = RetryPolicy.isRetryable(status: response.status)
                if !retryable || attempt >= settings.maxAttempts {
                    return (Self.line(request.customID, response: response), false)
                }
                let wait = RetryAfter.delay(in: response.headers, now: Date()).map { min($0, .seconds(60)) } ?? backoff.next()
                await counts.retried()
                try await Task.sleep(for: wait)
            } catch let error as HTTPError {
                if error.code == .cancelled { throw CancellationError() }
                if attempt >= settings.maxAttempts {
                    return (Self.transportLine(request.customID, message: error.description), false)
                }
                await counts.retried()
                try await Task.sleep(for: backoff.next())
            }
        }
    }

    /// An OpenAI batch output line for a response: the body is embedded as is when it is JSON.
    static func line(_ customID: String, response: HTTPResponse) -> [UInt8] {
        var out: [UInt8] = Array(#"{"id":"rt_"#.utf8) + Array(customID.utf8) + Array(#"","custom_id":"#.utf8)
        JSONWriter.write(.string(customID), into: &out)
        out += Array(#","response":{"status_code":\#(response.status),"request_id":"#.utf8)
        JSONWriter.write(.string(response.headers["x-request-id"] ?? ""), into: &out)
        out += Array(#","body":"#.utf8)
        if let body = try? JSONParser.parse(response.bodyText) {
            JSONWriter.write(body, into: &out)
        } else {
            JSONWriter.write(["error": ["message": .string(String(response.bodyText.prefix(500))), "type": "invalid_response"]], into: &out)
        }
        out += Array(#"},"error":null}"#.utf8) + [0x0A]
        return out
    }

    static func transportLine(_ customID: String, message: String) -> [UInt8] {
        let value: JSONValue = [
            "id": .string("rt_" + customID), "custom_id": .string(customID), "response": .null,
            "error": ["code": "server_error", "message": .string("transport: " + message)],
        ]
        return JSONWriter.bytes(value) + [0x0A]
    }
}

/// Appends result lines from concurrent requests, one whole line at a time.
actor RealtimeResultWriter {
    private let handle: FileHandle

    init(path: String) throws {
        if !FileManager.default.fileExists(atPath: path) { _ = FileManager.default.createFile(atPath: path, contents: nil) }
        guard let handle = FileHandle(forWritingAtPath: path) else {
            throw ProviderError(code: "realtime.results", message: "cannot open \(path)", retryable: false)
        }
        handle.seekToEndOfFile()
        self.handle = handle
    }

    /// One write(2) per line: a crash leaves whole lines and at most one partial last line.
    func append(_ bytes: [UInt8]) throws {
        try handle.write(contentsOf: Data(bytes))
    }

    func close() throws {
        try handle.synchronize()
        try handle.close()
    }
}

/// Progress of one realtime job, for snapshots.
actor RealtimeCounts {
    private(set) var total = 0
    private(set) var succeeded = 0
    private(set) var failed = 0
    private(set) var retries = 0
    private var alreadyDone = 0

    func start(total: Int, done: Int) {
        self.total = total
        alreadyDone = done
    }

    func record(succeeded ok: Bool) {
        if ok { succeeded += 1 } else { failed += 1 }
    }

    func retried() { retries += 1 }

    var finished: Int { alreadyDone + succeeded + failed }
}
