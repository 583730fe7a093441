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

    /// The drop and the original custom id of a carried id; nil for an id without a drop tag.
    static func parse(_ id: String) -> (drop: Int64, original: String)? {
        guard let mark = id.range(of: "_d", options: .backwards), let drop = Int64(id[mark.upperBound...]) else {
            return nil
        }
        return (drop, String(id[..<mark.lowerBound]))
    }

    /// Splits a shared batch's result files into one set per drop (the i-th output file of each drop holds the
    /// lines of input file i that are tagged with it), ids restored. Lines that name no drop of `into` are
    /// dropped: their rows, if any, end as missing. Blocking.
    static func split(resultFiles: [String], into directories: [Int64: String]) throws -> [Int64: [String]] {
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
}
