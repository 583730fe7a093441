import Foundation
import SluiceJSON
import Testing

@testable import SluiceCore

/// `sluice sample`'s figures: counts by status, tokens, cost at both prices, the extrapolation, JSON and text.
@Suite struct SampleReportTests {
    static let price = ModelPrice(
        realtime: .init(input: 0.15, output: 0.60),
        batch: .init(input: 0.075, output: 0.30)
    )

    static func request(_ row: Int, user: String = "Subject: hello") -> SampleRequest {
        let line =
            #"{"custom_id":"r\#(row)","method":"POST","url":"/v1/chat/completions","body":{"model":"m","#
            + #""messages":[{"role":"user","content":\#(JSONWriter.string(.string(user)))}]}}"# + "\n"
        return SampleRequest(line: Array(line.utf8), format: .openAIBatch)!
    }

    static func answered(
        _ row: Int,
        _ output: Result<JSONValue, RowFailure>,
        input: Int,
        output tokens: Int,
        user: String = "hi"
    ) -> SampleResult {
        SampleResult(
            row: SampledRow(row: row, id: .string("T\(row)"), record: [:], request: .success(request(row, user: user))),
            answer: SampleAnswer(
                httpStatus: 200,
                requestID: "req_\(row)",
                latency: .milliseconds(12),
                interpretation: .init(
                    output: output,
                    raw: "{\"category\":\"refund\"}",
                    usage: .init(input: input, output: tokens)
                )
            )
        )
    }

    static let schemaFailure = RowFailure(
        category: .schema,
        code: "schema.enum",
        message: "/category: \"refund\" is not one of billing, other",
        path: "/category"
    )

    static func report(
        file: SampleFileCounts? = SampleFileCounts(rows: 1000, requests: 990, failuresByCode: [:])
    )
        -> SampleReport
    {
        let notSent = SampleResult(
            row: SampledRow(
                row: 3,
                id: "T3",
                record: [:],
                request: .failure(
                    RowFailure(category: .input, code: "template.missing_field", message: "the template names 'body'")
                )
            ),
            answer: nil
        )
        let refused = SampleResult(
            row: SampledRow(row: 4, id: "T4", record: [:], request: .success(request(4))),
            answer: SampleAnswer(
                httpStatus: 400,
                requestID: nil,
                latency: .milliseconds(3),
                interpretation: .init(
                    output: .failure(
                        RowFailure(category: .permanent, code: "provider.invalid_value", message: "HTTP 400: bad")
                    ),
                    raw: "{}",
                    usage: nil
                )
            )
        )
        return SampleReport(
            pipeline: "tickets",
            file: "t.csv",
            provider: "openai",
            model: "gpt-4o-mini",
            endpoint: "https://api.openai.com/v1/chat/completions",
            selection: .first(count: 4, skip: 0),
            results: [
                answered(1, .success(["category": "billing"]), input: 100, output: 20),
                answered(2, .failure(schemaFailure), input: 300, output: 40, user: String(repeating: "x", count: 1000)),
                notSent, refused,
            ],
            fileCounts: file,
            price: price,
            pricesFile: "/r/pipelines/prices.yaml",
            pricesAsOf: "2025-11-01",
            maxAttempts: 3
        )
    }

    @Test func countsTokensAndBothPrices() {
        let report = Self.report()
        let t = report.totals
        #expect(
            [t.rows, t.sent, t.answered, t.valid, t.invalid, t.failed, t.notSent] == [4, 3, 2, 1, 1, 1, 1] as [Int]
        )
        #expect(t.inputTokens == 400 && t.outputTokens == 60 && t.withUsage == 2)
        #expect(t.failuresByCode == ["schema.enum": 1, "template.missing_field": 1, "provider.invalid_value": 1])
        #expect(abs(report.realtimeUSD! - (400 * 0.15 + 60 * 0.60) / 1e6) < 1e-15)
        #expect(abs(report.batchUSD! - (400 * 0.075 + 60 * 0.30) / 1e6) < 1e-15)
        // 990 requests at the average of the two answers that reported usage: 200 in, 30 out each.
        let e = try! #require(report.extrapolation)
        #expect(e.requests == 990 && e.basis == 2 && e.inputTokens == 198_000 && e.outputTokens == 29_700)
        #expect(abs(e.batchUSD! - (198_000 * 0.075 + 29_700 * 0.30) / 1e6) < 1e-12)
        #expect(Self.report(file: nil).extrapolation == nil)
    }

    @Test func jsonKeysAndRows() throws {
        let json = Self.report().json
        #expect(json["via"] == "realtime")
        #expect(json["totals"]?["valid"] == 1)
        #expect(json["totals"]?["not_sent"] == 1)
        #expect(json["tokens"]?["input"] == 400)
        #expect(json["cost"]?["batch"] == .double(0.000048))
        #expect(json["price"]?["known"] == true)
        #expect(json["file_counts"]?["requests"] == 990)
        #expect(json["extrapolation"]?["basis_requests"] == 2)
        let rows = try #require(json["rows"]?.arrayValue)
        #expect(rows.map { $0["status"]?.stringValue } == ["valid", "invalid", "not_sent", "failed"])
        #expect(rows[0]["output"] == ["category": "billing"])
        #expect(rows[0]["error"] == .null)
        #expect(rows[1]["error"] == Self.schemaFailure.json)
        #expect(rows[1]["retryable"] == true)
        #expect(rows[1]["usage"] == ["input_tokens": 300, "output_tokens": 40])
        #expect(rows[1]["prompt"]?["user"]?.stringValue?.count == 1000, "JSON keeps texts whole")
        #expect(rows[2]["request"] == .null)
        #expect(rows[2]["http_status"] == .null)
        #expect(rows[3]["http_status"] == 400)
        #expect(rows[3]["retryable"] == false)
        #expect(rows[3]["latency_ms"] == 3)
        #expect(Self.report(file: nil).json["extrapolation"] == .null)
    }

    @Test func textCutsLongTextsUnlessFullAndSaysWhatProcessWouldDo() {
        let text = Self.report().text(full: false)
        #expect(text.contains("row 2  id T2  invalid  HTTP 200 in 12 ms  300 input + 40 output tokens"))
        #expect(text.contains(String(repeating: "x", count: 400) + " … (600 more characters; --full shows all)"))
        #expect(!text.contains(String(repeating: "x", count: 401)))
        #expect(
            text.contains(
                "  error   schema.enum at /category: /category: \"refund\" is not one of billing, other "
                    + "(process sends such a row again, up to 3 attempts in all)"
            )
        )
        #expect(text.contains("row 3  id T3  not sent\n  error   template.missing_field: the template names 'body'\n"))
        #expect(text.contains("(process does not send it again)"))
        #expect(
            text.contains("4 row(s): 3 sent, 1 valid, 1 invalid, 1 failed at the provider, 1 failed before sending")
        )
        #expect(text.contains("$0.000096 at realtime prices (what this sample cost), $0.000048 at batch prices"))
        #expect(text.contains("extrapolated: ~198,000 input and ~29,700 output tokens for 990 requests"))
        #expect(Self.report().text(full: true).contains(String(repeating: "x", count: 1000)))
    }

    @Test func smallSumsKeepTheirDigits() {
        #expect(Figures.money(0.000023, small: true) == "$0.000023")
        #expect(Figures.money(0.000_000_1, small: true) == "<$0.000001")
        #expect(Figures.money(0, small: true) == "$0.0000")
        #expect(Figures.money(0.5, small: true) == "$0.5000")
        #expect(Figures.money(nil) == "unknown")
    }

    @Test func controlCharactersAreShownNotObeyed() {
        let lines = SampleReport.block("user", "a\r\nb\rc\u{1B}[2J\n\n", full: false)
        #expect(lines == ["  user    a", "          b\\rc\\u{1B}[2J"])
    }
}
