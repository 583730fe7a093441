/// Which rows of a drop `sluice sample` sends: the first ones (after a skip), or named row numbers.
public enum SampleSelection: Sendable, Equatable {
    /// `count` rows after the first `skip`.
    case first(count: Int, skip: Int)
    /// These 1-based row numbers, ascending and distinct.
    case rows([Int])

    /// The most rows one sample may send: a sample is a look before the batch, not a realtime run.
    public static let maxRows = 1000

    /// Whether row number `row` (1-based) is selected.
    public func contains(_ row: Int) -> Bool {
        switch self {
        case .first(let count, let skip): return row > skip && row <= skip + count
        case .rows(let rows): return rows.binarySearch(row)
        }
    }

    /// The last row number selected: reading past it finds no more sample rows.
    public var lastRow: Int {
        switch self {
        case .first(let count, let skip): return skip + count
        case .rows(let rows): return rows.last ?? 0
        }
    }

    /// Parses `--rows`: row numbers and ranges, comma-separated (`5,17,300-310`), sorted and made distinct.
    /// Throws a message naming the bad part.
    public static func parse(rows text: String) throws(SampleSelectionError) -> SampleSelection {
        var rows: Set<Int> = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let piece = part.trimmingWhitespace
            let bounds = piece.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
            guard let low = Int(bounds[0]), low >= 1, bounds.count == 1 || Int(bounds[1]) != nil else {
                throw SampleSelectionError(message: "'\(piece)' is not a row number (1, 2, ...) or a range (5-9)")
            }
            let high = bounds.count == 2 ? Int(bounds[1])! : low
            guard high >= low else {
                throw SampleSelectionError(message: "'\(piece)': the range ends before it starts")
            }
            guard high - low < maxRows else {
                throw SampleSelectionError(message: "at most \(maxRows) rows can be sampled")
            }
            rows.formUnion(low...high)
            guard rows.count <= maxRows else {
                throw SampleSelectionError(message: "at most \(maxRows) rows can be sampled")
            }
        }
        return .rows(rows.sorted())
    }
}

/// A `--rows` list that cannot be read.
public struct SampleSelectionError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

extension Array where Element == Int {
    /// Whether the sorted array holds `value`.
    fileprivate func binarySearch(_ value: Int) -> Bool {
        var low = 0
        var high = count
        while low < high {
            let mid = (low + high) / 2
            if self[mid] == value { return true }
            if self[mid] < value { low = mid + 1 } else { high = mid }
        }
        return false
    }
}

extension Substring {
    /// The text without leading and trailing spaces and tabs.
    fileprivate var trimmingWhitespace: Substring {
        var text = self
        while text.first == " " || text.first == "\t" { text.removeFirst() }
        while text.last == " " || text.last == "\t" { text.removeLast() }
        return text
    }
}
