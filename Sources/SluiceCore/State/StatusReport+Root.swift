import Foundation
import SluiceJSON

extension StatusReport {
    /// The files of the last 24 hours, at most 200: what `sluice status` shows without options.
    public static let defaultHours: Double = 24
    public static let defaultLimit = 200

    /// The report of a root: files finished within `hours`, at most `limit`, judged against the budgets its specs
    /// say now. `sluice status` and the daemon's `/status` both use it, so their JSON is the same.
    public static func load(store: StateStore, paths: SluicePaths, hours: Double, limit: Int) async throws
        -> StatusReport
    {
        try await load(
            store: store, since: Date().addingTimeInterval(-hours * 3600), limit: limit, budgets: budgets(paths))
    }

    /// The JSON of a root with no state database yet: nothing in flight, nothing spent.
    public static let emptyJSON: JSONValue = .object(["files": .array([]), "spend": .array([])])

    /// Each pipeline's budget as its spec says now (specs that do not load are left out).
    static func budgets(_ paths: SluicePaths) -> [String: BudgetSettings] {
        var budgets: [String: BudgetSettings] = [:]
        for file in SpecCheck.specFiles(paths: paths) {
            if let spec = try? SpecLoader.load(path: file) { budgets[spec.name] = spec.budget }
        }
        return budgets
    }
}
