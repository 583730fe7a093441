import Foundation

/// An answered row's outcome line read on its bytes: what assembly needs, with the answer left as the compact
/// JSON text the line holds (`OutputColumns.appendCSV(answer:)` renders it; parsing it gives the value).
///
/// Most lines of an outcome file are answers in the one layout `OutcomeWriter` writes,
/// `{"row":N,"attempts":A,"output":V[,"usage":[I,O]][,"shared":true]}`; `read` takes only that layout and
/// gives nil for anything else (failures, lines of another layout, damage), which the caller parses fully with
/// `RowOutcome(json:)`. Tested against that parse on random lines.
struct AnswerLine: Equatable {
    var row: Int
    var attempts: Int
    /// Where the answer's text is in the line.
    var output: Range<Int>
    var usage: OutputInterpreter.Usage?
    var shared: Bool

    /// Reads `line` (no newline), or nil when it is not an answer in the writer's layout.
    static func read(_ line: UnsafeRawBufferPointer) -> AnswerLine? {
        var scan = Scan(line: line)
        guard scan.literal(#"{"row":"#), let row = scan.integer(), scan.literal(#","attempts":"#),
            let attempts = scan.integer(), scan.literal(#","output":"#),
            let end = CompactJSONScan.valueEnd(line, from: scan.position)
        else { return nil }
        let output = scan.position..<end
        scan.position = end
        var usage: OutputInterpreter.Usage?
        if scan.literal(#","usage":["#) {
            guard let input = scan.integer(), scan.literal(","), let outputTokens = scan.integer(), scan.literal("]")
            else { return nil }
            usage = .init(input: input, output: outputTokens)
        }
        let shared = scan.literal(#","shared":true"#)
        guard scan.literal("}"), scan.position == line.count else { return nil }
        return AnswerLine(row: row, attempts: attempts, output: output, usage: usage, shared: shared)
    }

    private struct Scan {
        let line: UnsafeRawBufferPointer
        var position = 0

        /// Consumes `text` if the line continues with it.
        mutating func literal(_ text: StaticString) -> Bool {
            let count = text.utf8CodeUnitCount
            guard line.count - position >= count,
                memcmp(line.baseAddress! + position, text.utf8Start, count) == 0
            else { return false }
            position += count
            return true
        }

        /// Consumes a non-negative integer as the writer writes one (no sign, no leading zero, at most 15 digits, so a `Double` holds it exactly as `RowOutcome` reads usage).
        mutating func integer() -> Int? {
            let start = position
            var value = 0
            while position < line.count, line[position] >= 0x30, line[position] <= 0x39, position - start < 16 {
                value = value * 10 + Int(line[position] - 0x30)
                position += 1
            }
            let digits = position - start
            guard digits > 0, digits < 16, !(digits > 1 && line[start] == 0x30) else { return nil }
            return value
        }
    }
}
