import Logging
import SluiceCore
import SluiceProviders

/// Wiring of the webhook courier for `run` and `process`.
enum Webhooks {
    /// How long `process` and `run --once` keep retrying before they leave deliveries to the next `sluice run`.
    static let exitBudget: Duration = .seconds(30)

    static func courier(paths: SluicePaths, settings: WebhookSettings, logger: Logger, store: StateStore? = nil) throws
        -> NotificationCourier
    {
        try SluicePaths.ensureDirectory(paths.state)
        return NotificationCourier(
            store: try store ?? StateStore(path: paths.database), sender: HTTPWebhookSender(), settings: settings,
            logger: logger)
    }

    /// Delivers what is pending (of `dropIDs`, or all) within `exitBudget`, and says what is left.
    static func deliverBeforeExit(_ courier: NotificationCourier, dropIDs: [Int64]?) async throws {
        let left = try await courier.drain(dropIDs: dropIDs, within: exitBudget)
        if left > 0 {
            printError(
                "\(left) webhook(s) not delivered yet: they stay pending and `sluice run` delivers them "
                    + "(see `sluice status`)")
        }
    }
}
