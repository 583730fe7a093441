import Foundation
import Logging
import SluiceJSON
import Testing

@testable import SluiceOps

@Suite struct JSONLogHandlerTests {
    /// A log file in a fresh temporary folder, removed afterwards.
    func withLogFile(_ body: (LogLineWriter, () -> String) async throws -> Void) async throws {
        let path = NSTemporaryDirectory() + "sluice-log-\(UUID().uuidString).jsonl"
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        #expect(fd >= 0)
        defer {
            close(fd)
            unlink(path)
        }
        try await body(LogLineWriter(fd: fd)) { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }
    }

    @Test func oneObjectPerLineWithFixedFieldsFirst() throws {
        let date = Date(timeIntervalSince1970: 1_764_596_707.123_9)
        let line = String(
            decoding: JSONLogHandler.line(
                date: date, level: .info, message: "claimed",
                metadata: ["pipeline": "tickets", "drop": "7", "event": "claimed"]), as: UTF8.self)
        #expect(line == #"{"ts":"2025-12-01T13:45:07.123Z","level":"info","msg":"claimed","drop":"7","event":"claimed","pipeline":"tickets"}"#)
    }

    @Test func escapesQuotesControlCharactersAndNewlines() throws {
        let nasty = "a \"quoted\"\nline\twith\u{1} and \\ and é日本"
        let bytes = JSONLogHandler.line(
            date: Date(), level: .warning, message: nasty, metadata: ["file": .string(nasty), nasty: "key too"])
        #expect(!bytes.contains(0x0A))
        let parsed = try JSONParser.parse(bytes[...])
        #expect(parsed["msg"]?.stringValue == nasty)
        #expect(parsed["file"]?.stringValue == nasty)
        #expect(parsed[nasty]?.stringValue == "key too")
        #expect(parsed["level"]?.stringValue == "warning")
    }

    @Test func metadataCannotOverwriteTheFixedFields() throws {
        let bytes = JSONLogHandler.line(
            date: Date(), level: .error, message: "real", metadata: ["msg": "fake", "level": "fake", "ts": "fake"])
        let parsed = try JSONParser.parse(bytes[...])
        #expect(parsed["msg"]?.stringValue == "real")
        #expect(parsed["level"]?.stringValue == "error")
        #expect(parsed["ts"]?.stringValue != "fake")
    }

    @Test func nestedMetadataBecomesJSON() throws {
        let bytes = JSONLogHandler.line(
            date: Date(), level: .info, message: "m",
            metadata: ["list": ["a", "b"], "map": ["k": "v"], "number": .stringConvertible(42)])
        let parsed = try JSONParser.parse(bytes[...])
        #expect(parsed["list"] == .array(["a", "b"]))
        #expect(parsed["map"]?["k"]?.stringValue == "v")
        #expect(parsed["number"]?.stringValue == "42")
    }

    @Test func millisecondsNeverRoundIntoAThousand() {
        #expect(JSONLogHandler.timestamp(Date(timeIntervalSince1970: 0.9999)) == "1970-01-01T00:00:00.999Z")
        #expect(JSONLogHandler.timestamp(Date(timeIntervalSince1970: 86_400)) == "1970-01-02T00:00:00.000Z")
    }

    @Test func concurrentLoggersNeverInterleaveLines() async throws {
        try await withLogFile { writer, contents in
            var handler = JSONLogHandler(writer: writer)
            handler.logLevel = .debug
            let logger = Logger(label: "test") { _ in handler }
            let long = String(repeating: "x", count: 5000)
            await withTaskGroup(of: Void.self) { group in
                for task in 0..<8 {
                    group.addTask {
                        for n in 0..<100 {
                            logger.info("line", metadata: ["task": "\(task)", "n": "\(n)", "pad": "\(long)"])
                        }
                    }
                }
            }
            let lines = contents().split(separator: "\n", omittingEmptySubsequences: false).dropLast()
            #expect(lines.count == 800)
            var seen = Set<String>()
            for line in lines {
                let parsed = try JSONParser.parse(Array(line.utf8)[...])
                #expect(parsed["pad"]?.stringValue == long)
                seen.insert("\(parsed["task"]?.stringValue ?? "")/\(parsed["n"]?.stringValue ?? "")")
            }
            #expect(seen.count == 800)
        }
    }

    @Test func levelFiltersThroughTheLogger() async throws {
        try await withLogFile { writer, contents in
            var handler = JSONLogHandler(writer: writer)
            handler.logLevel = .warning
            var logger = Logger(label: "test") { _ in handler }
            logger[metadataKey: "pipeline"] = "p"
            logger.info("dropped")
            logger.warning("kept", metadata: ["file": "a.csv"])
            let lines = contents().split(separator: "\n")
            #expect(lines.count == 1)
            let parsed = try JSONParser.parse(Array(lines[0].utf8)[...])
            #expect(parsed["msg"]?.stringValue == "kept")
            #expect(parsed["pipeline"]?.stringValue == "p")
            #expect(parsed["file"]?.stringValue == "a.csv")
        }
    }
}
