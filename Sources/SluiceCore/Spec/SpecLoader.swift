import Crypto
import Foundation
import SluiceJSON

/// Loads and validates `pipelines/NAME.yaml`.
public enum SpecLoader {
    /// Loads the spec at `path`; throws a `SpecError` listing every problem found.
    public static func load(path: String) throws(SpecError) -> PipelineSpec {
        try read(path: path).spec
    }

    /// Loads the spec at `path` and returns its text too (drops keep the text they started with).
    public static func read(path: String) throws(SpecError) -> (spec: PipelineSpec, text: String) {
        let url = URL(fileURLWithPath: path)
        let name = url.deletingPathExtension().lastPathComponent
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw SpecError(problems: [
                SpecProblem(code: "spec.unreadable", file: path, keyPath: "", message: "cannot read: \(error)")
            ])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw SpecError(problems: [
                SpecProblem(code: "spec.invalid_utf8", file: path, keyPath: "", message: "the file is not UTF-8")
            ])
        }
        let digest = SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
        return (try parse(yaml: text, name: name, file: path, sha256: digest), text)
    }

    /// Parses spec text; `file` names the source in problems.
    public static func parse(yaml: String, name: String, file: String, sha256: String = "") throws(SpecError)
        -> PipelineSpec
    {
        let document: YAMLDocument
        do {
            document = try YAMLDocument(yaml: yaml)
        } catch {
            throw SpecError(problems: [
                SpecProblem(code: "spec.invalid_yaml", file: file, keyPath: "", line: error.line, message: error.message)
            ])
        }
        var problems: [SpecProblem] = []
        if case .null = document.root {
            throw SpecError(problems: [
                SpecProblem(code: "spec.empty", file: file, keyPath: "", message: "the spec is empty")
            ])
        }
        var top = SpecFields(document.root, path: "", document: document, file: file, problems: &problems)
        let spec = build(&top, name: name, sha256: sha256)
        problems += top.finish()
        if let spec, problems.isEmpty { return spec }
        throw SpecError(problems: problems)
    }

    private static func build(_ top: inout SpecFields, name: String, sha256: String) -> PipelineSpec? {
        let provider = top.oneOf("provider", ProviderKind.self)
        if top.object["provider"] == nil { top.problem("provider", "spec.missing_key", "'provider' is required") }
        let localProtocol = top.oneOf("protocol", LocalProtocol.self)
        if localProtocol != nil && provider != .local {
            top.problem("protocol", "spec.invalid_value", "'protocol' applies to provider local only")
        }
        let model = top.string("model")
        if model == nil { top.problem("model", "spec.missing_key", "'model' is required") }
        let baseURL = top.string("base_url")
        let apiKeyEnv = top.string("api_key_env")
        let endpoint = top.oneOf("endpoint", Endpoint.self) ?? .chat
        var quirks = ProviderQuirks()
        if top.object["quirks"] != nil {
            var fields = top.nested("quirks")
            if provider != .openaiCompatible {
                top.problem("quirks", "spec.invalid_value", "'quirks' applies to provider openai-compatible only")
            }
            quirks.uppercaseStatus = fields.bool("uppercase_status") ?? false
            quirks.wrappedCreate = fields.bool("wrapped_create") ?? false
            quirks.isoTimestamps = fields.bool("iso_timestamps") ?? false
            quirks.filePurpose = fields.string("file_purpose") ?? "batch"
            top.problems += fields.finish()
        }
        let system = template(&top, "system")
        let prompt = template(&top, "prompt")
        if top.object["prompt"] == nil { top.problem("prompt", "spec.missing_key", "'prompt' is required") }
        let idColumn = top.string("id")
        var params = JSONObject()
        if let raw = top.raw("params") {
            if let object = raw.objectValue {
                params = object
            } else {
                top.problem("params", "spec.invalid_type", "expected a mapping, got \(raw.typeName)")
            }
        }
        for reserved in ["model", "messages", "input", "response_format", "stream"] where params[reserved] != nil {
            top.problem("params", "spec.reserved_param", "'\(reserved)' is set by Sluice and cannot be a param")
        }
        if provider == .openaiCompatible || provider == .realtime, baseURL == nil {
            top.problem("base_url", "spec.missing_key", "'base_url' is required for provider \(provider!.rawValue)")
        }
        if let apiKeyEnv, !isEnvName(apiKeyEnv) {
            top.problem("api_key_env", "spec.invalid_value", "'\(apiKeyEnv)' is not an environment variable name")
        }
        let speaksAnthropic = provider == .anthropic || (provider == .local && localProtocol == .anthropic)
        if speaksAnthropic && endpoint == .embeddings {
            top.problem("endpoint", "spec.invalid_value", "Anthropic has no embeddings endpoint")
        }
        let output = outputSpec(&top, endpoint: endpoint, provider: provider)
        let batch = batchSettings(&top, provider: provider)
        var realtime = RealtimeSettings()
        if top.object["realtime"] != nil {
            var fields = top.nested("realtime")
            realtime.concurrency = fields.int("concurrency", range: 1...256) ?? realtime.concurrency
            realtime.requestsPerMinute = fields.int("rpm", range: 0...1_000_000) ?? 0
            realtime.tokensPerMinute = fields.int("tpm", range: 0...1_000_000_000) ?? 0
            realtime.maxAttempts = fields.int("max_attempts", range: 1...20) ?? realtime.maxAttempts
            top.problems += fields.finish()
        }
        var retryFields = top.nested("retry")
        var retry = RetrySettings(maxAttempts: retryFields.int("max_attempts", range: 1...10) ?? 3)
        retry.repair = retryFields.bool("repair") ?? false
        // The local provider's queue "drains" at once; a real one takes minutes.
        let fastProvider = provider == .local || provider == .realtime
        retry.queueWait = retryFields.duration("queue_wait") ?? (fastProvider ? .milliseconds(100) : .seconds(60))
        top.problems += retryFields.finish()
        let dedupe = top.bool("dedupe") ?? true
        var cache = CacheSettings()
        if top.object["cache"] != nil {
            var fields = top.nested("cache")
            cache.enabled = fields.bool("enabled") ?? true
            cache.ttl = fields.duration("ttl")
            top.problems += fields.finish()
        }
        var budgetFields = top.nested("budget")
        let budget = BudgetSettings(maxUSD: usd(&budgetFields, "max_usd"), dailyUSD: usd(&budgetFields, "daily_usd"))
        top.problems += budgetFields.finish()
        var intakeFields = top.nested("intake")
        let intake = IntakeSettings(
            settle: intakeFields.duration("settle"), sentinel: intakeFields.bool("sentinel") ?? false)
        top.problems += intakeFields.finish()
        let chain = chainSpec(&top, name: name, output: output, endpoint: endpoint)
        let notify = notifySpec(&top)

        var alerts = AlertSettings()
        if top.object["alerts"] != nil {
            var fields = top.nested("alerts")
            if let rate = fields.number("max_failure_rate") {
                if (0...1).contains(rate) {
                    alerts.maxFailureRate = rate
                } else {
                    fields.problem("max_failure_rate", "spec.out_of_range", "must be between 0 and 1")
                }
            }
            top.problems += fields.finish()
        }
        var canary: CanarySettings?
        if top.object["canary"] != nil {
            var fields = top.nested("canary")
            let rows = fields.int("rows", range: 1...50_000) ?? 100
            let minValid = fields.number("min_valid") ?? 0.9
            if !(0...1).contains(minValid) {
                fields.problem("min_valid", "spec.out_of_range", "must be between 0 and 1")
            }
            canary = CanarySettings(rows: rows, minValid: minValid)
            top.problems += fields.finish()
        }

        if batch?.collect != nil {
            if canary != nil {
                top.problem("canary", "spec.conflict", "a canary cannot be combined with batch.collect (files share batches)")
            }
            if provider == .realtime || (provider == .local && localProtocol == .realtime) {
                top.problem("batch", "spec.conflict", "batch.collect needs a batch provider; realtime sends no batches")
            }
        }
        guard let provider, let model, let prompt, let output, let batch else { return nil }
        var spec = PipelineSpec(
            name: name, provider: provider, localProtocol: localProtocol ?? .openai, model: model, baseURL: baseURL, apiKeyEnv: apiKeyEnv, endpoint: endpoint, quirks: quirks,
            system: system, prompt: prompt, idColumn: idColumn, params: params, output: output, batch: batch, realtime: realtime,
            retry: retry, dedupe: dedupe, budget: budget, intake: intake, chain: chain,
            sha256: sha256)
        spec.alerts = alerts
        spec.canary = canary
        spec.cache = cache
        spec.notify = notify
        return spec
    }

    /// A dollar amount of `budget:`: a finite number, not negative.
    private static func usd(_ fields: inout SpecFields, _ key: String) -> Double? {
        guard let value = fields.number(key) else { return nil }
        guard value.isFinite, value >= 0 else {
            fields.problem(key, "spec.out_of_range", "must be a dollar amount, not negative")
            return nil
        }
        return value
    }

    private static func template(_ fields: inout SpecFields, _ key: String) -> Template? {
        guard let text = fields.string(key) else { return nil }
        do {
            return try Template(text)
        } catch {
            fields.problem(key, error.code, error.message)
            return nil
        }
    }

    private static func outputSpec(_ top: inout SpecFields, endpoint: Endpoint, provider: ProviderKind?) -> OutputSpec? {
        var fields = top.nested("output")
        defer { top.problems += fields.finish() }
        let prefix = fields.string("prefix") ?? "ai_"
        let schemaName = fields.string("name") ?? "output"
        let structured = fields.oneOf("structured", StructuredMode.self) ?? .jsonSchema
        if structured == .tool && provider != .anthropic && provider != .local {
            fields.problem("structured", "spec.invalid_value", "'tool' applies to provider anthropic (or local)")
        }
        if !schemaName.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") })
            || schemaName.count > 64
        {
            fields.problem("name", "spec.invalid_value", "use letters, digits, '_' or '-', at most 64 characters")
        }
        guard let raw = fields.raw("schema") else {
            return OutputSpec(schema: nil, wireSchema: nil, prefix: prefix, schemaName: schemaName)
        }
        if endpoint == .embeddings {
            fields.problem("schema", "spec.invalid_value", "an embeddings pipeline has no output schema")
            return nil
        }
        // OpenAI's strict mode needs additionalProperties: false everywhere; the strict form adds it, and the
        // same form is what outputs are validated against, so Sluice checks exactly what the model was asked.
        let openAIFamily = provider == .openai || provider == .local || provider == .openaiCompatible
        // Anthropic's structured outputs also need additionalProperties: false, so every provider gets the form.
        let wire = StrictSchemaCompatibility.openAIStrictForm(raw)
        let definitionProblems = JSONSchema.definitionProblems(wire)
        // Keywords OpenAI's strict mode does not list (minLength, uniqueItems...) are not confirmed to be
        // rejected (batch-api-wire.md §1.13 [S]); Sluice still validates them, so they are not check errors.
        let strictProblems = openAIFamily
            ? StrictSchemaCompatibility.openAIProblems(wire).filter { $0.code != "strict.unlisted_keyword" } : []
        for p in definitionProblems + strictProblems {
            let keyPath = fields.keyPath("schema") + p.path.replacingOccurrences(of: "/", with: ".")
            let strict = p.code.hasPrefix("strict.")
            fields.problems.append(
                SpecProblem(
                    code: strict ? "spec.schema_not_strict" : "spec.invalid_schema", file: fields.file,
                    keyPath: keyPath, line: fields.document.lines[keyPath],
                    message: strict ? p.message + " (OpenAI strict structured outputs would reject it)" : p.message))
        }
        guard definitionProblems.isEmpty, strictProblems.isEmpty, let schema = try? JSONSchema(wire) else { return nil }
        return OutputSpec(
            schema: schema, wireSchema: wire, prefix: prefix, schemaName: schemaName, structured: structured)
    }

    private static func batchSettings(_ top: inout SpecFields, provider: ProviderKind?) -> BatchSettings? {
        var fields = top.nested("batch")
        defer { top.problems += fields.finish() }
        let targetMB = fields.int("target_mb", range: 10...50) ?? 25
        let maxRequests = fields.int("max_requests", range: 1...50_000) ?? 50_000
        let window = fields.string("completion_window") ?? "24h"
        if window != "24h" { fields.problem("completion_window", "spec.invalid_value", "only '24h' is supported") }
        var poll = fields.nested("poll")
        // The local provider answers in milliseconds; waiting 30 s between polls would only slow demos and tests.
        let fast = provider == .local || provider == .realtime
        let initial = poll.duration("initial") ?? (fast ? .milliseconds(50) : .seconds(30))
        let max = poll.duration("max") ?? (fast ? .seconds(1) : .seconds(600))
        if initial > max { poll.problem("initial", "spec.out_of_range", "poll.initial is longer than poll.max") }
        fields.problems += poll.finish()
        var settings = BatchSettings(
            targetMB: targetMB, maxRequests: maxRequests, completionWindow: window, pollInitial: initial, pollMax: max)
        if let stuck = fields.duration("stuck_after") { settings.stuckAfter = stuck }
        if fields.object["collect"] != nil {
            var collect = fields.nested("collect")
            var wanted = CollectSettings()
            if let window = collect.duration("window") { wanted.window = window }
            wanted.minRequests = collect.int("min_requests", range: 1...50_000) ?? wanted.minRequests
            fields.problems += collect.finish()
            settings.collect = wanted
        }
        return settings
    }

    /// Whether `s` can name an environment variable (letters, digits, `_`, not starting with a digit).
    static func isEnvName(_ s: String) -> Bool {
        guard let first = s.first, first == "_" || (first.isASCII && first.isLetter) else { return false }
        return s.allSatisfy { $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) }
    }
}
