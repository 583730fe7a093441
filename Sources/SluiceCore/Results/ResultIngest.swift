/// The result-ingestion step of a drop on its own (join a finished batch's result files to its chunk's rows),
/// for `sluice bench ingest`: the same `ResultCollector` the engine runs, without a state database around it.
public enum ResultIngest {
    /// Writes the outcome file of one chunk (rows `rows`) from the batch's downloaded `resultFiles`.
    /// Blocking: run it on a thread of its own.
    public static func collect(
        spec: PipelineSpec, format: WireFormat, resultFiles: [String], snapshot: BatchSnapshot,
        rows: ClosedRange<Int>, chunkPath: String, into path: String
    ) throws {
        let interpreter = OutputInterpreter(spec: spec, format: format)
        try ResultCollector(interpreter: interpreter, format: format).collect(
            resultFiles: resultFiles, snapshot: snapshot, rows: rows, chunkPath: chunkPath, into: path)
    }
}
