import SluiceJSON
import Testing

@testable import SluiceEmulator

@Suite("Fault draws: specs with every kind, rates, determinism, custom_id fates")
struct FaultDrawTests {
    @Test("every kind parses; rates add up per layer, so layers can each reach 1")
    func parsesAllKinds() throws {
        let spec = FaultKind.allCases.map { "\($0.rawValue)=0.05" }.joined(separator: ",")
        let plan = try FaultPlan(parsing: spec)
        #expect(plan.rates.count == 13)
        #expect(plan.description == spec)
        let full = try FaultPlan(parsing: "reset=1,missing_line=1,stuck=1")
        #expect(full.rates == [.reset: 1, .missingLine: 1, .stuck: 1])
        #expect(FaultKind.kinds(of: .transport) == [.http429, .http5xx, .reset, .slow])
        #expect(FaultKind.kinds(of: .line) == [.lineError, .schemaInvalid, .notJSON, .truncated, .missingLine])
        #expect(FaultKind.kinds(of: .batch) == [.expire, .failValidation, .stuck, .queueFull])
        #expect(FaultKind.allCases.map(\.rawValue) == [
            "http429", "http5xx", "reset", "slow", "line_error", "schema_invalid", "not_json", "truncated",
            "missing_line", "expire", "fail_validation", "stuck", "queue_full",
        ])
    }

    @Test(
        "bad specs with the new kinds are refused with a stable code naming the bad part",
        arguments: [
            ("line_error=0.6,truncated=0.5", "faults.total_over_one", "line_error=0.6,truncated=0.5"),
            ("expire=0.5,stuck=0.3,queue_full=0.3", "faults.total_over_one", "expire=0.5,stuck=0.3,queue_full=0.3"),
            ("reset=0.9,slow=0.2", "faults.total_over_one", "reset=0.9,slow=0.2"),
            ("lineerror=0.1", "faults.unknown_kind", "lineerror=0.1"),
            ("missing-line=0.1", "faults.unknown_kind", "missing-line=0.1"),
            ("stuck=2", "faults.rate_out_of_range", "stuck=2"),
            ("slow=fast", "faults.bad_rate", "slow=fast"),
            ("expire", "faults.syntax", "expire"),
            ("reset=0.1,reset=0.2", "faults.duplicate_kind", "reset=0.2"),
        ])
    func refuses(spec: String, code: String, part: String) throws {
        let error = try #require(throws: FaultSpecError.self) { try FaultPlan(parsing: spec) }
        #expect(error.code == code)
        #expect(error.part == part)
        #expect(error.message.contains("'\(part)'"))
    }

    @Test("the layer named in total_over_one, and --slow-ms bounds")
    func layerAndSlow() throws {
        let error = try #require(throws: FaultSpecError.self) { try FaultPlan(parsing: "expire=0.7,stuck=0.7") }
        #expect(error.message.contains("batch rates"))
        var plan = try FaultPlan(parsing: "slow=1")
        #expect(plan.slowMilliseconds == 2_000)
        try plan.setSlow(milliseconds: 0)
        #expect(plan.slowMilliseconds == 0)
        for bad in [-1, 600_001] {
            let error = try #require(throws: FaultSpecError.self) { try plan.setSlow(milliseconds: bad) }
            #expect(error.code == "faults.bad_slow_ms")
        }
    }

    @Test("line fates: rates close to the spec over 20,000 ids; a function of (seed, custom_id) only")
    func lineRates() throws {
        let plan = try FaultPlan(parsing: "line_error=0.1,schema_invalid=0.05,not_json=0.05,truncated=0.1,missing_line=0.2")
        let ids = (1...20_000).map { "r\($0)" }
        let fates = ids.map { plan.lineFault(seed: 7, customID: $0) }
        // Binomial standard deviations: 42 (0.1), 31 (0.05), 57 (0.2); four of them either side.
        for (kind, rate, slack) in [
            (FaultKind.lineError, 0.1, 170), (.schemaInvalid, 0.05, 125), (.notJSON, 0.05, 125), (.truncated, 0.1, 170),
            (.missingLine, 0.2, 230),
        ] {
            let n = fates.filter { $0 == kind }.count
            #expect(abs(n - Int(rate * 20_000)) < slack, "\(kind): \(n)")
        }
        #expect(fates == ids.map { plan.lineFault(seed: 7, customID: $0) })
        let retried = ids.map { plan.lineFault(seed: 7, customID: $0 + "-2") }
        #expect(retried != fates, "a new custom_id draws afresh")
        #expect(abs(retried.filter { $0 == nil }.count - 10_000) < 280)
        #expect(ids.map { plan.lineFault(seed: 8, customID: $0) } != fates)
        #expect(ids.allSatisfy { FaultPlan.none.lineFault(seed: 7, customID: $0) == nil })
    }

    /// The fate of every line of a 400-line batch under `spec`, read from the batch's files.
    static func observedFates(_ spec: String, seed: UInt64, prefix: String = "r") async throws -> [String: String] {
        try await withFaultyEmulator(spec, seed: seed) { api in
            let run = try await api.runBatch(ticketLines(400, prefix: prefix))
            var fates: [String: String] = [:]
            for line in run.errors { fates[line["custom_id"]!.stringValue!] = "line_error" }
            for line in run.output {
                let id = line["custom_id"]!.stringValue!
                let choice = line["response"]?["body"]?["choices"]?[0]
                let content = choice?["message"]?["content"]?.stringValue ?? ""
                if choice?["finish_reason"] == "length" {
                    fates[id] = "truncated"
                } else if content == DeterministicModel.notJSONContent {
                    fates[id] = "not_json"
                } else if !ticketProblems(try JSONParser.parse(content)).isEmpty {
                    fates[id] = "schema_invalid"
                } else {
                    fates[id] = "none"
                }
            }
            #expect(run.batch["request_counts"]?["total"] == 400)
            #expect(run.batch["request_counts"]?["completed"] == .int(400 - run.errors.count))
            for id in (1...400).map({ "\(prefix)\($0)" }) where fates[id] == nil { fates[id] = "missing_line" }
            let injected = try #require(try await api.stats()["faults_injected"])
            for kind in FaultKind.kinds(of: .line) {
                #expect(injected[kind.rawValue] == .int(fates.values.filter { $0 == kind.rawValue }.count))
            }
            return fates
        }
    }

    @Test("a mixed spec over 400 lines: the drawn fates, near the rates, the same in another emulator")
    func mixedBatch() async throws {
        let spec = "line_error=0.05,schema_invalid=0.05,not_json=0.05,truncated=0.05,missing_line=0.05"
        let plan = try FaultPlan(parsing: spec)
        let first = try await Self.observedFates(spec, seed: 7)
        #expect(first.count == 400)
        for (id, fate) in first {
            #expect(fate == (plan.lineFault(seed: 7, customID: id)?.rawValue ?? "none"), "\(id)")
        }
        for kind in FaultKind.kinds(of: .line) {
            // 20 expected, standard deviation 4.4.
            let n = first.values.filter { $0 == kind.rawValue }.count
            #expect((3...38).contains(n), "\(kind): \(n)")
        }
        #expect(try await Self.observedFates(spec, seed: 7) == first)
    }

    @Test("renaming r5 to r5-2 redraws: the retry's fate is its own id's draw")
    func retryRedraws() async throws {
        let plan = try FaultPlan(parsing: "line_error=0.5")
        let ids = (1...40).map { "r\($0)" }
        try await withFaultyEmulator("line_error=0.5") { api in
            let first = try await api.runBatch(ids.map { chatLine($0, "ticket") })
            let retry = try await api.runBatch(ids.map { chatLine($0 + "-2", "ticket") })
            let failed = Set(first.errors.compactMap { $0["custom_id"]?.stringValue })
            let failedRetry = Set(retry.errors.compactMap { $0["custom_id"]?.stringValue })
            #expect(failed == Set(ids.filter { plan.lineFault(seed: 7, customID: $0) == .lineError }))
            #expect(failedRetry == Set(ids.map { $0 + "-2" }.filter { plan.lineFault(seed: 7, customID: $0) == .lineError }))
            #expect(Set(failedRetry.map { String($0.dropLast(2)) }) != failed)
            // The same ids again in a new batch meet the same fate.
            let again = try await api.runBatch(ids.map { chatLine($0, "another text") })
            #expect(Set(again.errors.compactMap { $0["custom_id"]?.stringValue }) == failed)
        }
    }
}
