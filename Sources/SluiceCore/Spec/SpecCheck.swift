import Foundation

/// `sluice check`: every spec under pipelines/ loaded and cross-checked.
public enum SpecCheck {
    /// The outcome: one line per problem (or per valid pipeline), and whether all are valid.
    public struct Report: Sendable {
        public var lines: [String]
        public var ok: Bool
        public var specs: [PipelineSpec]
    }

    /// Spec files under `pipelines/`: `*.yaml` and `*.yml`, sorted, hidden files ignored.
    public static func specFiles(paths: SluicePaths) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: paths.pipelines)) ?? []
        return names.filter { !$0.hasPrefix(".") && ($0.hasSuffix(".yaml") || $0.hasSuffix(".yml")) }
            .filter { $0 != "prices.yaml" }
            .sorted().map { paths.pipelines + "/" + $0 }
    }

    /// Checks the root's `sluice.yaml` when there is one, then every spec in the pipelines folder it names
    /// (the default one when the settings file is broken, so that spec problems are reported too).
    public static func run(root: String) -> Report {
        do {
            return run(paths: try SettingsFile.load(root: root).paths)
        } catch {
            return run(paths: SluicePaths(root: root), settingsProblems: error.problems)
        }
    }

    /// Loads every spec and checks what no single spec can see (`then:` naming a pipeline that exists).
    /// `settingsProblems` (from `sluice.yaml`) come first and count against the outcome.
    public static func run(paths: SluicePaths, settingsProblems: [SpecProblem] = []) -> Report {
        var lines = settingsProblems.map(\.description)
        var problems = settingsProblems.count
        let files = specFiles(paths: paths)
        guard !files.isEmpty else {
            lines.append("\(paths.pipelines): no pipeline specs (*.yaml) found")
            return Report(lines: lines, ok: false, specs: [])
        }
        var specs: [PipelineSpec] = []
        for file in files {
            do {
                specs.append(try SpecLoader.load(path: file))
            } catch {
                problems += error.problems.count
                lines += error.problems.map(\.description)
            }
        }
        let names = Set(files.map { URL(fileURLWithPath: $0).deletingPathExtension().lastPathComponent })
        for spec in specs {
            if let then = spec.then, !names.contains(then) {
                problems += 1
                lines.append("\(paths.spec(spec.name)): then: no pipeline named '\(then)' in \(paths.pipelines)")
            }
        }
        let budgetProblems = budgetPrices(specs: specs, paths: paths)
        problems += budgetProblems.count
        lines += budgetProblems.map(\.description)
        let valid = specs.count
        lines.append("\(valid) of \(files.count) spec(s) valid, \(problems) problem(s)")
        return Report(lines: lines, ok: problems == 0, specs: specs)
    }

    /// A budget can only be checked against a price: every spec with `budget.max_usd` or `budget.daily_usd`
    /// needs its model in `pipelines/prices.yaml` (and the table must load). At run time such a file would be
    /// held for approval, since its cost cannot be estimated.
    static func budgetPrices(specs: [PipelineSpec], paths: SluicePaths) -> [SpecProblem] {
        let budgeted = specs.filter { $0.budget.maxUSD != nil || $0.budget.dailyUSD != nil }
        guard !budgeted.isEmpty else { return [] }
        let pricesFile = paths.pipelines + "/" + PriceTable.fileName
        var table: PriceTable?
        if FileManager.default.fileExists(atPath: pricesFile) {
            do {
                table = try PriceTable.load(path: pricesFile)
            } catch {
                return error.problems
            }
        }
        return budgeted.flatMap { spec -> [SpecProblem] in
            guard table?.price(for: spec.model) == nil else { return [] }
            let file = paths.spec(spec.name)
            let text = (try? String(contentsOfFile: file, encoding: .utf8)) ?? ""
            let lines = (try? YAMLDocument(yaml: text))?.lines
            let keys = [("budget.max_usd", spec.budget.maxUSD), ("budget.daily_usd", spec.budget.dailyUSD)]
            return keys.filter { $0.1 != nil }.map { key, _ in
                SpecProblem(
                    code: "spec.budget_unpriced", file: file, keyPath: key, line: lines?[key],
                    message: "model '\(spec.model)' has no price in \(pricesFile): a budget cannot be checked without "
                        + "one (add the model to \(pricesFile) or remove the budget)")
            }
        }
    }
}
