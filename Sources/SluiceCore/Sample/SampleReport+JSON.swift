import SluiceJSON

extension SampleReport {
    /// The `--json` object. Keys are stable: added to, never renamed or removed. Texts are never truncated.
    public var json: JSONValue {
        let t = totals
        var failures = JSONObject()
        for code in t.failuresByCode.keys.sorted() { failures[code] = .int(t.failuresByCode[code]!) }
        let selectionJSON: JSONValue
        switch selection {
        case .first(let count, let skip): selectionJSON = ["first": .int(count), "skip": .int(skip)]
        case .rows(let rows): selectionJSON = ["rows": .array(rows.map(JSONValue.int))]
        }
        return [
            "pipeline": .string(pipeline), "file": .string(file), "provider": .string(provider),
            "model": .string(model), "via": .string(via), "endpoint": endpoint.map(JSONValue.string) ?? .null,
            "selection": selectionJSON,
            "rows": .array(results.map(rowJSON)),
            "totals": [
                "rows": .int(t.rows), "not_sent": .int(t.notSent), "sent": .int(t.sent), "answered": .int(t.answered),
                "valid": .int(t.valid), "invalid": .int(t.invalid), "failed": .int(t.failed),
                "failures_by_code": .object(failures),
            ],
            "tokens": [
                "reported_by": "provider", "input": .int(t.inputTokens), "output": .int(t.outputTokens),
                "requests_with_usage": .int(t.withUsage),
            ],
            "price": Figures.priceJSON(price, table: pricesFile, asOf: pricesAsOf),
            "cost": ["currency": "USD", "realtime": Figures.usd(realtimeUSD), "batch": Figures.usd(batchUSD)],
            "file_counts": fileCounts.map(Self.countsJSON) ?? .null,
            "extrapolation": extrapolation.map(Self.extrapolationJSON) ?? .null,
        ]
    }

    /// One row: where it is, what was sent, what came back, and how it was judged.
    private func rowJSON(_ result: SampleResult) -> JSONValue {
        let request = try? result.row.request.get()
        let answer = result.answer
        var object: JSONObject = [
            "row": .int(result.row.row), "id": result.row.id, "status": .string(result.status.rawValue),
            "record": result.row.record,
            "prompt": request?.prompt.json ?? .null,
            "request": request?.json ?? .null,
            "output": result.output ?? .null,
            "error": result.failure?.json ?? .null,
            "retryable": result.failure.map { .bool(retried($0)) } ?? .null,
            "raw": answer?.interpretation.raw.map(JSONValue.string) ?? .null,
        ]
        object["usage"] =
            result.usage.map { ["input_tokens": .int($0.input), "output_tokens": .int($0.output)] } ?? .null
        object["http_status"] = answer?.httpStatus.map(JSONValue.int) ?? .null
        object["request_id"] = answer?.requestID.map(JSONValue.string) ?? .null
        object["latency_ms"] = answer.map { .int(Self.milliseconds($0.latency)) } ?? .null
        return .object(object)
    }

    static func countsJSON(_ counts: SampleFileCounts) -> JSONValue {
        var failures = JSONObject()
        for code in counts.failuresByCode.keys.sorted() { failures[code] = .int(counts.failuresByCode[code]!) }
        return [
            "rows": .int(counts.rows), "requests": .int(counts.requests), "failed_rows": .int(counts.failedRows),
            "failures_by_code": .object(failures),
        ]
    }

    static func extrapolationJSON(_ e: Extrapolation) -> JSONValue {
        [
            "method": "average per answered request", "basis_requests": .int(e.basis), "requests": .int(e.requests),
            "input_tokens": .int(e.inputTokens), "output_tokens": .int(e.outputTokens),
            "batch": Figures.usd(e.batchUSD), "realtime": Figures.usd(e.realtimeUSD),
        ]
    }

    static func milliseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        return Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000)
    }
}
