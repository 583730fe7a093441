import Foundation
import SluiceJSON
import SluiceRecords

/// Request lines of several drops in one shared batch: each custom id `r<row>` gets its drop's tag,
/// `r<row>_d<drop>`, so rows of different files stay apart; results are split back by that tag and the
/// ids restored before each drop joins its own.
enum CarriedRequests {
    /// The line with custom id `r<row>` renamed `r<row>_d<drop>`, newline-terminated.
    static func carried(_ line: ArraySlice<UInt8>, drop: Int64) -> [UInt8] {
        var end = line.startIndex + RetryPlanner.customIDPrefix.count
        while end < line.endIndex && line[end] != UInt8(ascii: "\"") { end += 1 }
        var out = Array(line[line.startIndex..<end])
        out.append(contentsOf: "_d\(drop)".utf8)
        var rest = line[end...]
        while rest.last == 0x0A { rest = rest.dropLast() }
        out.append(contentsOf: rest)
        out.append(0x0A)
        return out
    }

    /// The custom id of a request line `{"custom_id":"…",…}`.
    static func customID(of line: [UInt8]) -> String {
        let start = RetryPlanner.customIDPrefix.count - 1
        var end = start
        while end < line.count && line[end] != UInt8(ascii: "\"") { end += 1 }
        return String(decoding: line[start..<end], as: UTF8.self)
    }

    /// The drop and the original custom id of a carried id; nil for an id without a drop tag.
    static func parse(_ id: String) -> (drop: Int64, original: String)? {
        guard let mark = id.range(of: "_d", options: .backwards), let drop = Int64(id[mark.upperBound...]) else {
            return nil
        }
        return (drop, String(id[..<mark.lowerBound]))
    }

    /// The member added to a result line copied to a row whose identical request another file's row made.
    static let sharedMark = "sluice_shared"
    private static let sharedBytes = Array(#""sluice_shared":true"#.utf8)

    /// Whether a (split) result line is such a copy.
    static func isShared(_ line: [UInt8]) -> Bool {
        guard line.count >= sharedBytes.count else { return false }
        // The mark is written last, just before the closing brace.
        var end = line.count
        while end > 0, [0x0A, 0x0D, 0x20].contains(line[end - 1]) { end -= 1 }
        let start = end - 1 - sharedBytes.count
        return start >= 0 && line[start..<(end - 1)].elementsEqual(sharedBytes)
    }

    /// Rows sent once for several files of a collection: the carried id that is sent, and the carried ids of
    /// the rows that take its answer (`aliases.jsonl` in the collection's work folder, one line per alias).
    static let aliasesFileName = "aliases.jsonl"

    static func writeAliases(_ aliases: [(sent: String, alias: String)], to path: String) throws {
        let sink = try FileSink(path: path, gzip: false)
        var out: [UInt8] = []
        for (sent, alias) in aliases {
            out.removeAll(keepingCapacity: true)
            JSONWriter.write(["sent": .string(sent), "alias": .string(alias)], into: &out)
            out.append(0x0A)
            try sink.write(out)
        }
        try sink.finish()
    }

    static func readAliases(_ path: String) throws -> [String: [String]] {
        var aliases: [String: [String]] = [:]
        guard let source = try? FileByteSource(path: path) else { return aliases }
        let reader = JSONLReader(source: source, path: path)
        while let line = try reader.next() {
            let json = try JSONParser.parse(line.bytes)
            guard let sent = json["sent"]?.stringValue, let alias = json["alias"]?.stringValue else { continue }
            aliases[sent, default: []].append(alias)
        }
        return aliases
    }

    /// Splits a shared batch's result files into one set per drop (the i-th output file of each drop holds the
    /// lines of input file i that are tagged with it), ids restored. A line whose request other rows repeat
    /// (`aliases`) is also copied to each of them, marked shared and without usage: it was paid once. Lines
    /// that name no drop of `into` are dropped: their rows, if any, end as missing. Blocking.
    static func split(resultFiles: [String], into directories: [Int64: String], aliases: [String: [String]] = [:])
        throws -> [Int64: [String]]
    {
        var outputs: [Int64: [String]] = [:]
        for (index, file) in resultFiles.enumerated() {
            var sinks: [Int64: FileSink] = [:]
            for (drop, directory) in directories {
                let path = directory + "/carried-\(index + 1).jsonl"
                sinks[drop] = try FileSink(path: path, gzip: false)
                outputs[drop, default: []].append(path)
            }
            let reader = JSONLReader(source: try FileByteSource(path: file), path: file)
            var out: [UInt8] = []
            while let line = try reader.next() {
                guard case .object(var object)? = try? JSONParser.parse(line.bytes),
                    case .string(let id)? = object["custom_id"], let (drop, original) = parse(id),
                    let sink = sinks[drop]
                else { continue }
                for copy in aliases[id] ?? [] {
                    guard let (to, name) = parse(copy), let target = sinks[to] else { continue }
                    var shared = withoutUsage(object)
                    shared["custom_id"] = .string(name)
                    shared[sharedMark] = .bool(true)
                    out.removeAll(keepingCapacity: true)
                    JSONWriter.write(.object(shared), into: &out)
                    out.append(0x0A)
                    try target.write(out)
                }
                object["custom_id"] = .string(original)
                out.removeAll(keepingCapacity: true)
                JSONWriter.write(.object(object), into: &out)
                out.append(0x0A)
                try sink.write(out)
            }
            for sink in sinks.values { try sink.finish() }
        }
        return outputs
    }

    /// A result line without the usage of its answer (OpenAI `response.body.usage`, Anthropic
    /// `result.message.usage`).
    static func withoutUsage(_ line: JSONObject) -> JSONObject {
        var line = line
        if case .object(var response)? = line["response"], case .object(var body)? = response["body"] {
            body["usage"] = nil
            response["body"] = .object(body)
            line["response"] = .object(response)
        }
        if case .object(var result)? = line["result"], case .object(var message)? = result["message"] {
            message["usage"] = nil
            result["message"] = .object(message)
            line["result"] = .object(result)
        }
        return line
    }
}
