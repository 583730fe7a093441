/// inotify events waiting for the intake loop.
actor EventQueue {
    private var events: [InboxEvent] = []
    /// Wakes the intake loop: an event is acted on at once, not at the loop's next deadline.
    private let bell: Doorbell

    init(bell: Doorbell) {
        self.bell = bell
    }

    func add(_ event: InboxEvent) {
        events.append(event)
        bell.ring()
    }

    func drain() -> [InboxEvent] {
        defer { events.removeAll() }
        return events
    }
}
