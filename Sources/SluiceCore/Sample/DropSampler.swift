import SluiceJSON

/// One sampled row: its number, its id and record, and its request or why it has none.
public struct SampledRow: Sendable {
    /// 1-based record number, as in failures.jsonl.
    public var row: Int
    /// The spec's id column's value (null without one), as in failures.jsonl.
    public var id: JSONValue
    /// The record as failures.jsonl shows it.
    public var record: JSONValue
    /// The request the row becomes, or the failure staging records for it (nothing is sent then).
    public var request: Result<SampleRequest, RowFailure>

    public init(row: Int, id: JSONValue, record: JSONValue, request: Result<SampleRequest, RowFailure>) {
        self.row = row
        self.id = id
        self.record = record
        self.request = request
    }
}

/// The whole file as staging would see it: rows, requests, failures before sending.
public struct SampleFileCounts: Sendable, Equatable {
    public var rows: Int
    /// Rows that would become requests.
    public var requests: Int
    /// Rows that would fail before sending, by code.
    public var failuresByCode: [String: Int]

    public init(rows: Int, requests: Int, failuresByCode: [String: Int]) {
        self.rows = rows
        self.requests = requests
        self.failuresByCode = failuresByCode
    }

    /// Rows that would fail before sending.
    public var failedRows: Int { failuresByCode.values.reduce(0, +) }
}

/// What a drop's sample holds before anything is sent.
public struct DropSample: Sendable {
    /// The selected rows the file has, in row order.
    public var rows: [SampledRow]
    /// The whole file's counts; nil when only the rows up to the last selected one were read.
    public var file: SampleFileCounts?
    /// Selected row numbers past the end of the file.
    public var missingRows: [Int]
    /// Rows read: the file's rows when it was read to its end.
    public var rowsRead: Int
}

/// Picks a drop's sample rows and renders their requests exactly as staging would, writing nothing.
public struct DropSampler: Sendable {
    let stager: Stager
    let wireFormat: WireFormat

    /// A sampler for `spec` on a provider speaking `wireFormat` within these batch limits (a request too large
    /// for a chunk fails here as it does in staging).
    public init(spec: PipelineSpec, wireFormat: WireFormat, providerMaxBytes: Int, providerMaxRequests: Int) {
        self.wireFormat = wireFormat
        stager = Stager(
            spec: spec, wireFormat: wireFormat, providerMaxBytes: providerMaxBytes,
            providerMaxRequests: providerMaxRequests)
    }

    /// Reads `sourcePath` (dropped as `fileName`) and keeps the `selection`'s rows. Blocking.
    ///
    /// With `wholeFile` every row is read and rendered, so the counts cover the file and a file `process`
    /// would reject (cut short, a CSV ending inside a quoted field) is rejected here too, before anything is
    /// sent; without it reading stops after the last selected row. Throws `DropRejection` for a file `process`
    /// would reject, and `StoppedEarly` when `stop` is raised.
    public func sample(
        sourcePath: String,
        fileName: String,
        selection: SampleSelection,
        wholeFile: Bool,
        stop: StopFlag? = nil
    ) throws -> DropSample {
        let renderer = try stager.renderer(sourcePath: sourcePath, fileName: fileName)
        let header = renderer.reader.header
        var rows: [SampledRow] = []
        var read = 0
        var failures: [String: Int] = [:]
        var buffer: [UInt8] = []
        while let (row, failure) = try renderer.next(into: &buffer) {
            read += 1
            if read & 0xFFF == 0, stop?.isRaised == true { throw StoppedEarly() }
            if let failure { failures[failure.code, default: 0] += 1 }
            if selection.contains(row.row) {
                let request: Result<SampleRequest, RowFailure>
                if let failure {
                    request = .failure(failure)
                } else if let rendered = SampleRequest(line: buffer, format: wireFormat) {
                    request = .success(rendered)
                } else {
                    request = .failure(
                        RowFailure(
                            category: .input,
                            code: "input.unreadable_request",
                            message: "the rendered request is not a \(wireFormat.rawValue) batch line"
                        )
                    )
                }
                rows.append(
                    SampledRow(
                        row: row.row,
                        id: renderer.resolver.id(of: row),
                        record: Assembler.record(row, header: header),
                        request: request
                    )
                )
            }
            if !wholeFile && row.row >= selection.lastRow { break }
        }
        var counts: SampleFileCounts?
        if wholeFile {
            try renderer.finish(rows: read, requireFinalNewline: false)
            counts = SampleFileCounts(
                rows: read,
                requests: read - failures.values.reduce(0, +),
                failuresByCode: failures
            )
        }
        let found = Set(rows.map(\.row))
        let missing: [Int]
        switch selection {
        case .rows(let wanted): missing = wanted.filter { !found.contains($0) }
        case .first: missing = []
        }
        return DropSample(rows: rows, file: counts, missingRows: missing, rowsRead: read)
    }
}
