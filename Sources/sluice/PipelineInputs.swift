import ArgumentParser
import Foundation
import SluiceCore

/// What `estimate` and `sample` read before touching a file: the file itself, the pipeline's spec and the
/// price table. Problems are printed the way `check` prints them.
struct PipelineInputs {
    var spec: PipelineSpec
    /// nil when the root has no `pipelines/prices.yaml`.
    var prices: PriceTable?
    var pricesFile: String

    /// Loads them; a missing file is a usage error (exit 2), a bad spec or price table exit 1.
    static func load(file: String, pipeline: String, paths: SluicePaths) throws -> PipelineInputs {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: file, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw UsageFailure(message: "\(file): no such file")
        }
        let pricesFile = paths.pipelines + "/" + PriceTable.fileName
        do {
            let spec = try SpecLoader.load(path: paths.spec(pipeline))
            let prices = FileManager.default.fileExists(atPath: pricesFile) ? try PriceTable.load(path: pricesFile) : nil
            return PipelineInputs(spec: spec, prices: prices, pricesFile: pricesFile)
        } catch {
            for problem in error.problems { printError(problem.description) }
            throw ExitCode(1)
        }
    }
}
