import SluiceJSON

extension SampleReport {
    /// Characters of one text shown unless `full`: enough to recognise a prompt, short enough to scan ten.
    static let shownCharacters = 400
    /// Lines of one text shown unless `full`.
    static let shownLines = 8

    /// The human-readable report: a block per row, then the totals. `full` shows every text whole.
    public func text(full: Bool) -> String {
        let t = totals
        func n(_ value: Int) -> String { Figures.grouped(value) }
        var lines = [header]
        for result in results {
            lines.append("")
            lines += rowLines(result, full: full)
        }
        lines.append("")
        var counts =
            "  sample      \(n(t.rows)) row(s): \(n(t.sent)) sent, \(n(t.valid)) valid, \(n(t.invalid)) invalid, "
            + "\(n(t.failed)) failed at the provider, \(n(t.notSent)) failed before sending"
        if !t.failuresByCode.isEmpty {
            counts +=
                " ("
                + t.failuresByCode.keys.sorted().map { "\($0): \(t.failuresByCode[$0]!)" }
                .joined(separator: ", ") + ")"
        }
        lines.append(counts)
        lines.append(
            "  tokens      \(n(t.inputTokens)) input, \(n(t.outputTokens)) output, as the provider reported them "
                + "(\(n(t.withUsage)) answer(s))"
        )
        let table = "pipelines/" + PriceTable.fileName
        if price != nil {
            lines.append(
                "  cost        \(Figures.money(realtimeUSD, small: true)) at realtime prices (what this sample cost), "
                    + "\(Figures.money(batchUSD, small: true)) at batch prices"
            )
        } else {
            lines.append("  cost        unknown: no price for \(model) in \(table)")
        }
        if let c = fileCounts {
            lines.append(
                "  file        \(n(c.rows)) rows, \(n(c.requests)) requests, \(n(c.failedRows)) would fail before sending"
            )
        }
        if let e = extrapolation {
            var line =
                "  whole file  extrapolated: ~\(n(e.inputTokens)) input and ~\(n(e.outputTokens)) output tokens for "
                + "\(n(e.requests)) requests (the average of \(n(e.basis)) answer(s) × requests)"
            if price != nil {
                line +=
                    ", ~\(Figures.money(e.batchUSD, small: true)) at batch prices, "
                    + "~\(Figures.money(e.realtimeUSD, small: true)) realtime"
            }
            lines.append(line)
        }
        if price != nil {
            lines.append("  prices      \(table) (as of \(pricesAsOf ?? "?"); check them with your provider)")
        }
        return lines.joined(separator: "\n")
    }

    /// `tickets.csv.gz through pipeline tickets (local, gpt-4o-mini): ... sent realtime to URL`.
    private var header: String {
        var which: String
        switch selection {
        case .first(let count, let skip):
            let first = results.first?.row.row ?? skip + 1
            let last = results.last?.row.row ?? skip
            which = first == last ? "row \(first)" : "rows \(first)-\(last)"
            if results.count < count { which += " (\(count) asked for; the file ends at row \(last))" }
        case .rows(let rows):
            which =
                "row(s) " + rows.prefix(20).map(String.init).joined(separator: ", ") + (rows.count > 20 ? ", ..." : "")
        }
        let sent = endpoint.map { "sent \(via), one call per row, to \($0)" } ?? "nothing was sent"
        return "\(file) through pipeline \(pipeline) (\(provider), \(model)): \(which); \(sent)"
    }

    private func rowLines(_ result: SampleResult, full: Bool) -> [String] {
        var title = "row \(result.row.row)"
        if result.row.id != .null {
            title += "  id " + (result.row.id.stringValue ?? JSONWriter.string(result.row.id))
        }
        title += "  " + (result.status == .notSent ? "not sent" : result.status.rawValue)
        if let answer = result.answer {
            let status = answer.httpStatus.map { "HTTP \($0)" } ?? "no response"
            title += "  \(status) in \(Self.milliseconds(answer.latency)) ms"
        }
        if let usage = result.usage {
            title += "  \(Figures.grouped(usage.input)) input + \(Figures.grouped(usage.output)) output tokens"
        }
        var lines = [title]
        if case .success(let request) = result.row.request {
            if let system = request.prompt.system { lines += Self.block("system", system, full: full) }
            lines += Self.block(request.prompt.isEmbeddingInput ? "input" : "user", request.prompt.user, full: full)
        }
        if let output = result.output {
            var text = JSONWriter.string(output)
            if case .array(let vector) = output, vector.allSatisfy({ $0.numberValue != nil }) {
                text = "\(Figures.grouped(vector.count)) dimensions: " + text
            }
            lines += Self.block("output", text, full: full)
        } else if let raw = result.answer?.interpretation.raw {
            lines += Self.block("raw", raw, full: full)
        }
        if let failure = result.failure {
            var text = failure.code + (failure.path.map { " at \($0)" } ?? "") + ": " + failure.message
            if result.answer != nil {
                text +=
                    retried(failure)
                    ? " (process sends such a row again, up to \(maxAttempts) attempts in all)"
                    : " (process does not send it again)"
            }
            lines += Self.block("error", text, full: true)
        }
        return lines
    }

    /// `  label   text`, continuation lines indented under the text; cut unless `full`. Control characters
    /// but newline and tab are shown escaped (a `\r` would send the cursor back over the report), and trailing
    /// blank lines are left out.
    static func block(_ label: String, _ original: String, full: Bool) -> [String] {
        let text = visible(original)
        var shown = text
        var note = ""
        if !full {
            var cut = text.prefix(shownCharacters)
            var newlines = 0
            if let end = cut.firstIndex(where: { c in
                if c == "\n" { newlines += 1 }
                return newlines >= shownLines
            }) {
                cut = cut[..<end]
            }
            if cut.count < text.count {
                shown = String(cut)
                note = " … (\(Figures.grouped(text.count - cut.count)) more characters; --full shows all)"
            }
        }
        let pad = String(repeating: " ", count: max(1, 8 - label.count))
        var body = (shown + note).split(separator: "\n", omittingEmptySubsequences: false)
        while body.count > 1, body.last!.allSatisfy({ $0 == " " || $0 == "\t" }) { body.removeLast() }
        var lines = ["  " + label + pad + (body.first.map(String.init) ?? "")]
        for line in body.dropFirst() { lines.append("          " + line) }
        return lines
    }

    /// `text` with `\r\n` as a newline and other control characters (but tab) escaped as `\r`, `\u{1B}`, ...
    static func visible(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { $0.value < 0x20 && $0 != "\n" && $0 != "\t" || $0.value == 0x7F })
        else { return text }
        var out = String.UnicodeScalarView()
        var scalars = text.unicodeScalars.makeIterator()
        var pending = scalars.next()
        while let scalar = pending {
            pending = scalars.next()
            switch scalar {
            case "\r" where pending == "\n": continue
            case "\r": out.append(contentsOf: "\\r".unicodeScalars)
            case "\n", "\t": out.append(scalar)
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                out.append(contentsOf: "\\u{\(String(scalar.value, radix: 16, uppercase: true))}".unicodeScalars)
            default: out.append(scalar)
            }
        }
        return String(out)
    }
}
